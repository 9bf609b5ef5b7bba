// The targets the numbers are held to, and the notes that explain them.
import type { BenchReport, PBKDF2Report, Target } from './report.ts';

export function evaluateTargets(
  scenarios: BenchReport['scenarios'],
  pbkdf2: PBKDF2Report | null,
): { targets: Target[]; notes: string[] } {
  const byId = new Map(scenarios.map((scenario) => [scenario.id, scenario]));
  const targets: Target[] = [];
  const notes: string[] = [];
  const testToken = byId.get('test_token');
  if (testToken && byId.has('ceiling')) {
    targets.push({
      name: 'test-token throughput ÷ ceiling',
      value: testToken.throughputVsCeiling,
      goal: '≥ 0.70',
      met: testToken.throughputVsCeiling >= 0.7,
      note: 'JWT verify + 1 database read vs the bare route',
    });
  }
  const login = byId.get('login');
  const loginCPU = login?.measurement.workerdCPUMsPerRequest ?? null;
  if (login && pbkdf2 && loginCPU !== null) {
    const ratio = loginCPU / pbkdf2.cpuMsPerHash;
    targets.push({
      name: 'login CPU ÷ one PBKDF2 hash',
      value: ratio,
      goal: '≤ 1.15',
      met: ratio <= 1.15,
      note: `${loginCPU.toFixed(2)} ms ÷ ${pbkdf2.cpuMsPerHash.toFixed(2)} ms`,
    });
    const ceiling = byId.get('ceiling')?.measurement;
    const loginRuntimeCPU = login.measurement.workerRuntimeCPUMsPerRequest;
    const ceilingRuntimeCPU = ceiling?.workerRuntimeCPUMsPerRequest;
    if (loginRuntimeCPU != null && ceilingRuntimeCPU != null) {
      const aboveBareRoute = loginRuntimeCPU - ceilingRuntimeCPU;
      notes.push(
        `Login CPU split: ${login.measurement.proxyCPUMsPerRequest?.toFixed(2)} ms in wrangler's dev proxy, ${loginRuntimeCPU.toFixed(2)} ms in the workerd running the Worker, of which ${ceilingRuntimeCPU.toFixed(2)} ms is what GET / costs there too; the login's own work above a bare route is ${aboveBareRoute.toFixed(2)} ms = ${(aboveBareRoute / pbkdf2.cpuMsPerHash).toFixed(2)} × one PBKDF2 hash.`,
      );
    }
  }
  for (const scenario of scenarios) {
    const measured = scenario.measurement.roundTripsPerRequest;
    targets.push({
      name: `round trips: ${scenario.label}`,
      value: measured,
      goal: `${scenario.roundTripsByDesign}`,
      // A request that failed early (non-2xx) may make fewer; none may make more.
      met: measured <= scenario.roundTripsByDesign + 0.01,
      note:
        scenario.id === 'login' || scenario.id === 'login_tfa'
          ? 'read, then write, by design (the secret is checked in the Worker)'
          : scenario.id === 'recover_tfa'
            ? 'pre-TFA token check: 0; the redeeming statement: 1'
            : '',
    });
  }
  return { targets, notes };
}
