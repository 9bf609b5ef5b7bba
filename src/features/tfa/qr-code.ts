import QRCode from 'qrcode-svg';

// An SVG QR code of an otpauth:// URI. Error correction "M" survives a phone camera at screen resolution;
// the 4-module quiet zone is what the QR specification requires for scanners to find the code.
export function renderQRCodeSVG(content: string): string {
  return new QRCode({
    content,
    ecl: 'M',
    padding: 4,
    width: 256,
    height: 256,
    join: true,
    container: 'svg-viewbox',
  }).svg();
}
