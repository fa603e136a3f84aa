/** What the numbers were measured on: they mean little without it. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  chromium?: string;
}

/** The distribution's name from /etc/os-release, when there is one (Linux). */
async function distribution(): Promise<string | undefined> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('PRETTY_NAME='));
    return line?.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '');
  } catch {
    return undefined;
  }
}

/** The version of the Chromium the benchmark drives (the same binary the tests use). */
async function chromiumVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

export async function describeMachine(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [distro, chromium] = await Promise.all([distribution(), chromiumVersion()]);
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}${distro ? ` (${distro})` : ''}`,
    ...(chromium ? { chromium } : {}),
  };
}

export function machineLines(machine: MachineInfo): string[] {
  return [
    `CPU: ${machine.cpuModel}, ${machine.cores} cores`,
    `Memory: ${machine.memoryGiB} GiB`,
    `Node: ${machine.node}`,
    `OS: ${machine.os}`,
    ...(machine.chromium ? [`Chromium: ${machine.chromium}`] : []),
  ];
}
