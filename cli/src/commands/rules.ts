//! `sipward rules list|validate|test|catalog`: inspect, validate and prove the signatures.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import { renderCatalog } from '../../../analyzer/src/engine/rules/catalog';
import { checkSignatures, loadSignatures } from '../../../analyzer/src/engine/load/load-signatures';
import { runSignatureFixtures } from '../../../analyzer/src/engine/rules/run-fixtures';
import { loadAnalyzerConfig } from '../../../analyzer/src/config';
import { applyTuning } from '../../../analyzer/src/tuning/apply-tuning';

interface RulesFlags {
  rules?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function rulesOption(command: Command): Command {
  return command.option('--rules <dir>', 'extra signature folder (adds or overrides by id; repeatable)', collect);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function rulesCommand(): Command {
  const rules = new Command('rules').description('list, validate and test the FS.38 signatures');

  rulesOption(rules.command('list').description('list signatures: id, name, severity, FS.38 theme, kind'))
    .option('--json', 'one JSON object per signature')
    .action((flags: RulesFlags & { json?: boolean }) => {
      const signatures = loadSignatures({ extraDirs: flags.rules ?? [] });
      if (flags.json === true) {
        for (const { signature: s } of signatures) {
          process.stdout.write(
            `${JSON.stringify({ id: s.id, name: s.name, severity: s.severity, fs38_theme: s.fs38_theme, kind: s.kind, status: s.status })}\n`,
          );
        }
        return;
      }
      const rows = [['ID', 'NAME', 'SEVERITY', 'FS.38 THEME', 'KIND']];
      for (const { signature: s } of signatures) rows.push([s.id, s.name, s.severity, s.fs38_theme.join(','), s.kind]);
      process.stdout.write(table(rows));
    });

  rulesOption(rules.command('validate').description('validate signature files, expect.yaml and fixtures')).action(
    (flags: RulesFlags) => {
      const { signatures, errors } = checkSignatures({ extraDirs: flags.rules ?? [], requireFixtures: true });
      if (errors.length > 0) throw new SipwardError('SIPWARD_RULES_INVALID', errors.join('\n'));
      if (signatures.length === 0) throw new SipwardError('SIPWARD_RULES_INVALID', 'no signatures found');
      process.stdout.write(`${signatures.length} signatures valid\n`);
    },
  );

  rulesOption(rules.command('test').description("run every signature's fixtures (or only the given ids)"))
    .argument('[ids...]', 'signature ids to test')
    .action((ids: string[], flags: RulesFlags) => {
      const signatures = loadSignatures({ extraDirs: flags.rules ?? [], requireFixtures: true });
      const unknown = ids.filter((id) => !signatures.some((s) => s.signature.id === id));
      if (unknown.length > 0) throw new SipwardError('SIPWARD_USAGE', `unknown signature id: ${unknown.join(', ')}`);
      const results = runSignatureFixtures(signatures, ids);
      for (const r of results) {
        const detail = r.pass ? '' : ` — ${r.problems.join('; ')}`;
        process.stdout.write(`${r.pass ? 'PASS' : 'FAIL'} ${r.id} ${r.fixture}${detail}\n`);
      }
      const failed = results.filter((r) => !r.pass).length;
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed > 0 || results.length === 0) process.exitCode = 1;
    });

  rulesOption(rules.command('catalog').description('print (or write) the generated signature catalog (Markdown)'))
    .option('--out <file>', 'write to this file, e.g. signatures/CATALOG.md')
    .action((flags: RulesFlags & { out?: string }) => {
      const markdown = renderCatalog(loadSignatures({ extraDirs: flags.rules ?? [] }));
      if (flags.out === undefined) process.stdout.write(markdown);
      else writeFileSync(flags.out, markdown);
    });

  rulesOption(
    rules
      .command('effective')
      .description('the parameters each signature runs with under a config (tuning, suppress, site expectations)'),
  )
    .option('--config <file>', 'YAML configuration (config/README.md); without it: the signatures as written')
    .option('--json', 'one JSON object per signature and scope')
    .argument('[ids...]', 'only these signature ids')
    .action((ids: string[], flags: RulesFlags & { config?: string; json?: boolean }) => {
      const config = flags.config === undefined ? {} : loadAnalyzerConfig(flags.config);
      const { effective } = applyTuning(loadSignatures({ extraDirs: flags.rules ?? [] }), config.tuning, config.site);
      const rows = effective.filter((r) => ids.length === 0 || ids.includes(r.id));
      for (const s of config.tuning?.expired ?? []) {
        process.stderr.write(`${s.origin}: suppress entry expired, not applied (${s.reason})\n`);
      }
      if (flags.json === true) {
        for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const out = [['ID', 'SCOPE', 'STATE', 'SEVERITY', 'PARAMETERS', 'SUPPRESSED BY', 'FROM']];
      for (const r of rows) {
        out.push([
          r.id,
          r.scope,
          r.enabled ? 'on' : 'off',
          r.severity,
          Object.entries(r.parameters)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          r.suppressed_by.join(' ') || '-',
          r.origin.join(' '),
        ]);
      }
      process.stdout.write(table(out));
    });

  return rules;
}
