// Runs before the npm scripts: one clear sentence instead of a stack trace on an old Node.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `edge-2fa needs Node >= 22.12 (Node 24 pinned in .nvmrc); this is Node ${process.versions.node}. Run \`npm ci\` (it installs Node 24 into node_modules/.bin) or \`nvm use\`.`,
  );
  process.exit(1);
}
