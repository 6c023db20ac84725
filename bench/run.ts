//! `npm run bench`: end-to-end decode throughput of `sipward decode` on large generated captures,
//! measured in the same run as Suricata 7 (SIP parser only, --runmode single) and tshark, each
//! pinned to one core. Prints a markdown table and writes bench/out/results.json.
//!   SIPWARD_BENCH_MESSAGES=1000000 (default) sets the size of the big captures.
//!   `npm run bench -- --only console` runs only the console part (bench/console.ts),
//!   `--only siplog` only the SIP transaction log part (bench/sip-log-storage.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleTable, runConsoleBenchmarks } from './console';
import { runEngineBenchmarks } from './engine';
import { runMicroBenchmarks } from './micro';
import { pipelineTable, runPipelineBenchmarks } from './pipeline';
import { runSipLogBenchmarks } from './sip-log-storage';

const root = join(__dirname, '..', '..');
const out = join(root, 'bench', 'out');
const messages = Number(process.env.SIPWARD_BENCH_MESSAGES ?? 1_000_000);
const tsharkMessages = Math.min(messages, 200_000);

interface Row {
  tool: string;
  capture: string;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  note?: string;
}

function sh(
  cmd: string,
  args: string[],
  opts: { stdout?: 'ignore' | 'pipe' } = {},
): { status: number; stdout: string; stderr: string; seconds: number } {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '', seconds };
}

function have(cmd: string): boolean {
  return sh('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** taskset pins a whole process tree (Node's GC and I/O threads included) to one core. */
function pinned(cmd: string, args: string[]): [string, string[]] {
  return have('taskset') ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args];
}

function makeCapture(name: string, count: number, tcpShare: number): string {
  const path = join(out, `${name}-${count}.pcap`);
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
    ]);
    if (made.status !== 0) throw new Error(`make-capture failed: ${made.stderr}`);
  }
  return path;
}

function mb(path: string): number {
  return statSync(path).size / 1e6;
}

function runSipward(capture: string, command: 'decode' | 'analyze' = 'decode'): Row {
  const extra = command === 'analyze' ? ['--format', 'jsonl'] : [];
  const [cmd, args] = pinned(process.execPath, [join(root, 'bin', 'sipward.js'), command, capture, ...extra]);
  // Output goes to /dev/null through a real pipe-less fd so the JSON serialisation is measured.
  const r = sh('sh', ['-c', `${[cmd, ...args].map((a) => `'${a}'`).join(' ')} > /dev/null`]);
  if (r.status !== 0) throw new Error(`sipward ${command} failed: ${r.stderr.slice(-500)}`);
  const summary = /"sip_messages":(\d+)/.exec(r.stderr);
  const count = summary ? Number(summary[1]) : NaN;
  return {
    tool: command === 'decode' ? 'sipward decode → JSONL' : 'sipward analyze (18 signatures) → alerts',
    capture,
    messages: count,
    seconds: r.seconds,
    msgsPerSec: count / r.seconds,
    mbPerSec: mb(capture) / r.seconds,
  };
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
  let count = 0;
  for (let i = eve.indexOf('\n'); i !== -1; i = eve.indexOf('\n', i + 1)) count++;
  const version = sh('suricata', ['-V']).stdout.trim().replace('This is Suricata version ', '');
  return {
    tool: rules ? `Suricata ${version} (SIP parser + 13 ET-style rules)` : `Suricata ${version} (SIP only, EVE)`,
    capture,
    messages: count,
    seconds: r.seconds,
    msgsPerSec: count / r.seconds,
    mbPerSec: mb(capture) / r.seconds,
  };
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
  return {
    tool: `tshark ${version} (-Y sip, fields)`,
    capture,
    messages: count,
    seconds: r.seconds,
    msgsPerSec: count / r.seconds,
    mbPerSec: mb(capture) / r.seconds,
  };
}

function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const only = process.argv.indexOf('--only');
  if (only !== -1 && process.argv[only + 1] === 'siplog') {
    const sipLog = await runSipLogBenchmarks(makeCapture('mixed-udp-tcp', tsharkMessages, 0.3));
    process.stdout.write(
      ['| SIP transaction log | result |', '|---|---|', ...sipLog.map((r) => `| ${r.name} | ${r.value} |`)].join('\n') +
        '\n',
    );
    writeFileSync(
      join(out, 'results-siplog.json'),
      JSON.stringify({ date: new Date().toISOString(), sipLog }, null, 2),
    );
    return;
  }
  if (only !== -1) {
    if (process.argv[only + 1] !== 'console')
      throw new Error(`--only takes console or siplog, got "${process.argv[only + 1] ?? ''}"`);
    const consoleBench = await runConsoleBenchmarks(out);
    process.stdout.write(consoleTable(consoleBench).join('\n') + '\n');
    writeFileSync(
      join(out, 'results-console.json'),
      JSON.stringify({ date: new Date().toISOString(), consoleBench }, null, 2),
    );
    return;
  }
  if (!have('suricata') && process.getuid?.() === 0) sh('bash', [join(root, 'bench', 'install-peers.sh')]);
  const mixed = makeCapture('mixed-udp-tcp', messages, 0.3);
  const udp = makeCapture('udp-only', messages, 0);
  const small = makeCapture('mixed-udp-tcp', tsharkMessages, 0.3);

  const rows: Row[] = [];
  for (const capture of [mixed, udp]) {
    rows.push(runSipward(capture));
    const suricata = runSuricata(capture);
    if (suricata) {
      if (capture === mixed) suricata.note = 'Suricata 7 parses SIP over UDP only: its TCP share is not decoded';
      rows.push(suricata);
    }
  }
  for (const capture of [mixed, udp]) {
    rows.push(runSipward(capture, 'analyze'));
    const suricata = runSuricata(capture, true);
    if (suricata) rows.push(suricata);
  }
  rows.push(runSipward(small));
  const tshark = runTshark(small);
  if (tshark) rows.push(tshark);

  const lines = [
    '| tool | capture | SIP messages | seconds | msgs/s | MB/s | note |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.tool} | ${r.capture.split('/').pop() ?? ''} | ${fmt(r.messages)} | ${r.seconds.toFixed(2)} | ${fmt(r.msgsPerSec)} | ${r.mbPerSec.toFixed(1)} | ${r.note ?? ''} |`,
    );
  }
  const ratio = (a: Row | undefined, b: Row | undefined): string =>
    a && b ? (a.msgsPerSec / b.msgsPerSec).toFixed(2) : 'n/a';
  const find = (tool: string, capture: string): Row | undefined =>
    rows.find((r) => r.tool.startsWith(tool) && r.capture === capture);
  lines.push('');
  lines.push(
    `ratio sipward / Suricata, UDP-only capture (same messages decoded): ${ratio(find('sipward decode', udp), find('Suricata', udp))}`,
  );
  lines.push(
    `ratio sipward / Suricata, mixed capture (msgs/s, Suricata skips TCP SIP): ${ratio(find('sipward decode', mixed), find('Suricata', mixed))}`,
  );
  lines.push(
    `ratio sipward / tshark, ${tsharkMessages} messages: ${ratio(find('sipward decode', small), find('tshark', small))}`,
  );
  for (const [label, capture] of [
    ['UDP-only', udp],
    ['mixed', mixed],
  ] as const) {
    lines.push(
      `ratio sipward analyze / Suricata with rules, ${label} capture: ${ratio(
        find('sipward analyze', capture),
        rows.find((r) => r.tool.includes('rules') && r.capture === capture),
      )}`,
    );
  }
  lines.push('');
  const micro = await runMicroBenchmarks();
  lines.push('| micro-benchmark (in-process, one core) | ops/s | MB/s |', '|---|---:|---:|');
  for (const m of micro)
    lines.push(`| ${m.name} | ${fmt(m.opsPerSec)} | ${m.mbPerSec === undefined ? '' : m.mbPerSec.toFixed(1)} |`);
  lines.push('');
  const engine = await runEngineBenchmarks(small);
  lines.push('| detection engine (in-process, one core) | result |', '|---|---|');
  for (const e of engine) lines.push(`| ${e.name} | ${e.value} |`);
  // Real broker + Elasticsearch; skipped with a note when SIPWARD_BENCH_PIPELINE=0 or they are down.
  const pipeline = await runPipelineBenchmarks();
  lines.push('', ...pipelineTable(pipeline));
  const consoleBench = await runConsoleBenchmarks(out);
  lines.push('', ...consoleTable(consoleBench));
  // SIP transaction log volume and ES storage (alone: node dist/bench/sip-log-storage.js CAPTURE).
  const sipLog = process.env.SIPWARD_BENCH_SIPLOG === '0' ? [] : await runSipLogBenchmarks(small);
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
        micro,
        engine,
        pipeline,
        console: consoleBench,
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
