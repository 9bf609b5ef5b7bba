// CPU time of processes from /proc (Linux only): utime + stime of a process covers all its threads, so
// a delta over a scenario divided by the requests served is the CPU cost of one request.
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: /proc reports times in clock ticks of 1/100 s on every Linux architecture Node supports.
const CLOCK_TICKS_PER_SECOND = 100;

type ProcStat = { pid: number; parentPid: number; processGroup: number; cpuTicks: number };

// Fields after the "(comm)" are space separated; comm itself may contain spaces and parentheses.
function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // proc(5): state is field 3, ppid 4, pgrp 5, utime 14, stime 15; `fields` starts at field 3.
  return {
    pid,
    parentPid: Number(fields[1]),
    processGroup: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

export function isProcAvailable(): boolean {
  return readProcStat(process.pid) !== undefined;
}

export function readProcessName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function readProcessGroup(pid: number): number | undefined {
  return readProcStat(pid)?.processGroup;
}

export function listDescendantPids(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (!stat) continue;
    const siblings = childrenOf.get(stat.parentPid) ?? [];
    siblings.push(stat.pid);
    childrenOf.set(stat.parentPid, siblings);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of childrenOf.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Summed user + system CPU seconds of the given processes (0 for one that has exited). */
export function readCPUSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readProcStat(pid)?.cpuTicks ?? 0;
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds the whole machine spent busy (every core, everything but idle and iowait), from /proc/stat. */
export function readMachineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      ?.trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    if (!fields) return 0;
    // proc(5): user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Direct children of `parentPid` whose command name is `name`. */
export function findChildPids(parentPid: number, name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.parentPid === parentPid && readProcessName(stat.pid) === name) found.push(stat.pid);
  }
  return found;
}
