//! `npm run bench`: throughput of `sipward decode` and `sipward analyze` (default threads and
//! --threads 1) on large generated captures, measured in the same run as Suricata 7 (SIP parser +
//! 13 ET-style rules, --runmode single) and tshark, then micro-benchmarks, the engine alone and the
//! pipeline. Prints markdown tables and writes bench/out/results.json.
//!   npm run bench -- --only throughput,startup,micro,engine,hep,stages,pipeline,console,siplog
//!   (parts to run; default all; startup is the CPU a command spends before and around its first
//!   packet; stages is the analyzer's pipeline stages in one process, bench/stages.ts; console is
//!   bench/console.ts, siplog the SIP transaction log volume,
//!   bench/sip-log-storage.ts, hep the HEP input path against the pcap path, bench/hep.ts)
//!   SIPWARD_BENCH_MESSAGES=1000000 (default) sets the size of the big captures.
//! Suricata is pinned to one core (--runmode single); sipward runs unpinned, as a user runs it, with
//! its default --threads and with --threads 1 pinned to one core.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleTable, runConsoleBenchmarks } from './console';
import { runSipLogBenchmarks } from './sip-log-storage';
import { runEngineBenchmarks } from './engine';
import { hepTable, runHepBenchmarks } from './hep';
import { runMicroBenchmarks } from './micro';
import { ensureCapture, pipelineTable, runPipelineBenchmarks } from './pipeline';
import { runStageBenchmarks } from './stages';
import { repoRoot } from '../lib/src/repo-root';

const root = repoRoot();
const out = join(root, 'bench', 'out');
const messages = Number(process.env.SIPWARD_BENCH_MESSAGES ?? 1_000_000);
const tsharkMessages = Math.min(messages, 200_000);
const PARTS = ['throughput', 'startup', 'micro', 'engine', 'hep', 'stages', 'pipeline', 'console', 'siplog'] as const;
type Part = (typeof PARTS)[number];

function selectedParts(argv: string[]): Set<Part> {
  const i = argv.indexOf('--only');
  if (i < 0) return new Set(PARTS);
  const wanted = (argv[i + 1] ?? '').split(',').filter((p) => p !== '');
  for (const p of wanted)
    if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part "${p}" (${PARTS.join(', ')})`);
  return new Set(wanted as Part[]);
}

interface Row {
  tool: string;
  capture: string;
  messages: number;
  seconds: number;
  /** User + system CPU seconds of the process tree (all threads), when /usr/bin/time is there. */
  cpuSeconds?: number;
  msgsPerSec: number;
  mbPerSec: number;
  note?: string;
}

/** A row of the throughput table from one timed run of `capture` that handled `count` messages. */
function timedRow(tool: string, capture: string, count: number, r: { seconds: number; cpuSeconds?: number }): Row {
  return {
    tool,
    capture,
    messages: count,
    seconds: r.seconds,
    ...(r.cpuSeconds !== undefined ? { cpuSeconds: r.cpuSeconds } : {}),
    msgsPerSec: count / r.seconds,
    mbPerSec: mb(capture) / r.seconds,
  };
}

function sh(
  cmd: string,
  args: string[],
  opts: { stdout?: 'ignore' | 'pipe' } = {},
): { status: number; stdout: string; stderr: string; seconds: number; cpuSeconds?: number } {
  // CPU time as well as wall time: on a shared machine wall time swings with other load, CPU time less.
  const timeFile = join(out, 'cpu-time.txt');
  const timed = existsSync('/usr/bin/time');
  const [c, a] = timed ? ['/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const result = spawnSync(c, a, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let cpuSeconds: number | undefined;
  if (timed && existsSync(timeFile)) {
    const parts = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
    if (parts.length === 2 && parts.every(Number.isFinite)) cpuSeconds = (parts[0] ?? 0) + (parts[1] ?? 0);
    rmSync(timeFile, { force: true });
  }
  return {
    status: result.status ?? -1,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    seconds,
    ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
  };
}

function have(cmd: string): boolean {
  return sh('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** taskset pins a whole process tree (Node's GC and I/O threads included) to one core. */
function pinned(cmd: string, args: string[]): [string, string[]] {
  return have('taskset') ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args];
}

/** 2 000 phones over 23 sites, 5 % attack traffic (make-capture.ts); v2 names the realistic mix. */
function makeCapture(name: string, count: number, tcpShare: number): string {
  const path = join(out, `${name}-v2-${count}.pcap`);
  if (!existsSync(path)) {
    const made = sh(process.execPath, [
      join(root, 'dist', 'bench', 'make-capture.js'),
      path,
      '--messages',
      String(count),
      '--tcp-share',
      String(tcpShare),
      '--sites',
      '2000',
      '--servers',
      '23',
      '--attack-share',
      '0.05',
    ]);
    if (made.status !== 0) throw new Error(`make-capture failed: ${made.stderr}`);
  }
  return path;
}

function mb(path: string): number {
  return statSync(path).size / 1e6;
}

/** `threads` undefined: the default (all cores, unpinned); 1: one thread pinned to one core. */
function runSipward(capture: string, command: 'decode' | 'analyze', threads?: 1): Row {
  const extra = command === 'analyze' ? ['--format', 'jsonl'] : [];
  const argv = [join(root, 'bin', 'sipward.js'), command, capture, ...extra];
  const [cmd, args] = threads === 1 ? pinned(process.execPath, [...argv, '--threads', '1']) : [process.execPath, argv];
  // Output goes to /dev/null through a real pipe-less fd so the JSON serialisation is measured.
  const r = sh('sh', ['-c', `${[cmd, ...args].map((a) => `'${a}'`).join(' ')} > /dev/null`]);
  if (r.status !== 0) throw new Error(`sipward ${command} failed: ${r.stderr.slice(-500)}`);
  const summary = /"sip_messages":(\d+)/.exec(r.stderr);
  const count = summary ? Number(summary[1]) : NaN;
  return timedRow(
    `sipward ${command === 'decode' ? 'decode → JSONL' : 'analyze → alerts'}, ${threads === 1 ? '--threads 1' : 'default threads'}`,
    capture,
    count,
    r,
  );
}

function runSuricata(capture: string, rules = false): Row | undefined {
  if (!have('suricata')) return undefined;
  const logDir = join(out, 'suricata');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const [cmd, args] = pinned('suricata', [
    '-c',
    join(root, 'bench', 'suricata-sip-only.yaml'),
    '-r',
    capture,
    '--runmode',
    'single',
    '-l',
    logDir,
    '-S',
    rules ? join(root, 'bench', 'suricata-sip.rules') : '/dev/null',
    '-k',
    'none',
  ]);
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`suricata failed: ${r.stderr.slice(-500)}`);
  const eve = readFileSync(join(logDir, 'eve.json'), 'utf8');
  // EVE holds SIP records and alerts: count the SIP records (one per message Suricata parsed).
  let count = 0;
  for (let i = eve.indexOf('"event_type":"sip"'); i !== -1; i = eve.indexOf('"event_type":"sip"', i + 1)) count++;
  const version = sh('suricata', ['-V']).stdout.trim().replace('This is Suricata version ', '');
  return timedRow(
    rules ? `Suricata ${version} (SIP parser + 13 ET-style rules)` : `Suricata ${version} (SIP only, EVE)`,
    capture,
    count,
    r,
  );
}

function runTshark(capture: string): Row | undefined {
  if (!have('tshark')) return undefined;
  const [cmd, args] = pinned('tshark', [
    '-r',
    capture,
    '-Y',
    'sip',
    '-T',
    'fields',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=|',
    '-e',
    'sip.CSeq.method',
  ]);
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr.slice(-500)}`);
  let count = 0;
  for (const line of r.stdout.split('\n')) if (line) count += line.split('|').length;
  const version = /TShark \(Wireshark\) ([\d.]+)/.exec(sh('tshark', ['-v']).stdout)?.[1] ?? '?';
  return timedRow(`tshark ${version} (-Y sip, fields)`, capture, count, r);
}

function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

async function throughput(lines: string[]): Promise<Row[]> {
  if (!have('suricata') && process.getuid?.() === 0) sh('bash', [join(root, 'bench', 'install-peers.sh')]);
  const mixed = makeCapture('mixed-udp-tcp', messages, 0.3);
  const udp = makeCapture('udp-only', messages, 0);
  const small = makeCapture('mixed-udp-tcp', tsharkMessages, 0.3);
  const rows: Row[] = [];
  const peers = new Map<string, Row | undefined>();
  for (const capture of [mixed, udp]) {
    const suricata = runSuricata(capture, true);
    if (suricata && capture === mixed)
      suricata.note = 'Suricata 7 parses SIP over UDP only: its TCP share is not decoded';
    peers.set(capture, suricata);
    rows.push(runSipward(capture, 'analyze'), runSipward(capture, 'analyze', 1));
    rows.push(runSipward(capture, 'decode'), runSipward(capture, 'decode', 1));
    if (suricata) rows.push(suricata);
  }
  const smallDecode = runSipward(small, 'decode');
  rows.push(smallDecode);
  const tshark = runTshark(small);
  if (tshark) rows.push(tshark);

  lines.push(
    '| tool | capture | SIP messages | seconds | CPU s | msgs/s | MB/s | × Suricata (wall) | × Suricata (CPU) | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of rows) {
    const peer = peers.get(r.capture);
    const compared = peer !== undefined && r !== peer && r.tool.startsWith('sipward');
    const vsWall = compared ? (peer.seconds / r.seconds).toFixed(2) : '';
    const vsCpu =
      compared && peer.cpuSeconds !== undefined && r.cpuSeconds !== undefined
        ? (peer.cpuSeconds / r.cpuSeconds).toFixed(2)
        : '';
    lines.push(
      `| ${r.tool} | ${r.capture.split('/').pop() ?? ''} | ${fmt(r.messages)} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds?.toFixed(2) ?? ''} | ${fmt(r.msgsPerSec)} | ${r.mbPerSec.toFixed(1)} | ${vsWall} | ${vsCpu} | ${r.note ?? ''} |`,
    );
  }
  lines.push('');
  lines.push(
    '× Suricata = Suricata seconds ÷ sipward seconds on the same file (both read every packet; on the mixed capture Suricata parses only the UDP share of SIP). Wall: what a user waits. CPU: user + system seconds of all threads, steadier than wall time on a loaded machine.',
  );
  if (tshark)
    lines.push(
      `sipward decode / tshark, ${fmt(tsharkMessages)} messages (msgs/s): ${(smallDecode.msgsPerSec / tshark.msgsPerSec).toFixed(2)}`,
    );
  lines.push('');
  return Promise.resolve(rows);
}

interface StartupRow {
  command: string;
  /** Medians of the runs. */
  cpuSeconds: number;
  seconds: number;
}

const STARTUP_RUNS = 5;

/**
 * Start-up cost: `decode` and `analyze` on a 34-message capture, so nearly all of the CPU is
 * loading modules (and, for analyze, the signatures) before the first packet. Median of 5 runs,
 * pinned to one core like the --threads 1 rows.
 */
function startup(lines: string[]): StartupRow[] {
  const capture = join(root, 'test', 'fixtures', 'captures', 'udp.pcap');
  const rows: StartupRow[] = [];
  for (const command of ['decode', 'analyze'] as const) {
    const runs: Array<{ cpu: number; wall: number }> = [];
    for (let i = 0; i < STARTUP_RUNS; i++) {
      const [cmd, args] = pinned(process.execPath, [
        join(root, 'bin', 'sipward.js'),
        command,
        '--threads',
        '1',
        '--log-level',
        'error',
        capture,
      ]);
      const r = sh(cmd, args, { stdout: 'ignore' });
      if (r.status !== 0) throw new Error(`${command} (start-up) failed: ${r.stderr.slice(-500)}`);
      runs.push({ cpu: r.cpuSeconds ?? NaN, wall: r.seconds });
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    rows.push({
      command: `sipward ${command} --threads 1, 34 messages`,
      cpuSeconds: median(runs.map((r) => r.cpu)),
      seconds: median(runs.map((r) => r.wall)),
    });
  }
  lines.push('| start-up (median of 5) | CPU s | wall s |', '|---|---:|---:|');
  for (const r of rows) lines.push(`| ${r.command} | ${r.cpuSeconds.toFixed(3)} | ${r.seconds.toFixed(3)} |`);
  lines.push('');
  return rows;
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const parts = selectedParts(process.argv.slice(2));
  const lines: string[] = [];
  const rows = parts.has('throughput') ? await throughput(lines) : [];
  const startupRows = parts.has('startup') ? startup(lines) : [];
  const micro = parts.has('micro') ? await runMicroBenchmarks() : [];
  if (micro.length > 0) {
    lines.push('| micro-benchmark (in-process, one core) | ops/s | MB/s |', '|---|---:|---:|');
    for (const m of micro)
      lines.push(`| ${m.name} | ${fmt(m.opsPerSec)} | ${m.mbPerSec === undefined ? '' : m.mbPerSec.toFixed(1)} |`);
    lines.push('');
  }
  const engine = parts.has('engine')
    ? await runEngineBenchmarks(makeCapture('mixed-udp-tcp', tsharkMessages, 0.3))
    : [];
  if (engine.length > 0) {
    lines.push('| detection engine (in-process, one core) | result |', '|---|---|');
    for (const e of engine) lines.push(`| ${e.name} | ${e.value} |`);
  }
  const hep = parts.has('hep') ? await runHepBenchmarks(makeCapture('mixed-udp-tcp', tsharkMessages, 0.3)) : [];
  if (hep.length > 0) lines.push('', ...hepTable(hep));
  const stages = parts.has('stages')
    ? await runStageBenchmarks(
        // SIPWARD_BENCH_STAGES_CAPTURE: another capture (a quick check on samples/demo-attacks.pcap).
        process.env.SIPWARD_BENCH_STAGES_CAPTURE ??
          ensureCapture(root, Number(process.env.SIPWARD_BENCH_PIPELINE_MESSAGES ?? 200_000), true),
      )
    : [];
  if (stages.length > 0)
    lines.push(
      '',
      '| pipeline stages in one process (realistic capture) | result |',
      '|---|---|',
      ...stages.map((r) => `| ${r.name} | ${r.value} |`),
    );
  // Real broker + Elasticsearch; skipped with a note when SIPWARD_BENCH_PIPELINE=0 or they are down.
  const pipeline = parts.has('pipeline') ? await runPipelineBenchmarks() : undefined;
  if (pipeline !== undefined) lines.push('', ...pipelineTable(pipeline));
  const consoleBench = parts.has('console') ? await runConsoleBenchmarks(out) : undefined;
  if (consoleBench !== undefined) {
    lines.push('', ...consoleTable(consoleBench));
    writeFileSync(
      join(out, 'results-console.json'),
      JSON.stringify({ date: new Date().toISOString(), consoleBench }, null, 2),
    );
  }
  const sipLog = parts.has('siplog')
    ? await runSipLogBenchmarks(makeCapture('mixed-udp-tcp', tsharkMessages, 0.3))
    : [];
  if (sipLog.length > 0)
    lines.push('', '| SIP transaction log | result |', '|---|---|', ...sipLog.map((r) => `| ${r.name} | ${r.value} |`));
  const table = lines.join('\n');
  process.stdout.write(table + '\n');
  writeFileSync(
    join(out, 'results.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        rows,
        startup: startupRows,
        micro,
        engine,
        hep,
        stages,
        pipeline,
        consoleBench,
        sipLog,
      },
      null,
      2,
    ),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
