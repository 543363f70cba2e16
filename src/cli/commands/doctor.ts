// `devdns doctor`: one line per check, with the fix for each failure; exit 0 only when all pass.
import { runChecks } from '../../doctor/doctor.js';
import { ExitCode } from '../../errors.js';
import type { CommandContext } from '../context.js';

export async function runDoctor(context: CommandContext, options: { json?: boolean; hostsFile?: string }): Promise<number> {
  const { output } = context;
  const checks = await runChecks({
    home: context.home,
    ...(options.hostsFile ? { hostsFile: options.hostsFile } : {}),
  });
  const failed = checks.filter((check) => check.status === 'fail').length;
  if (options.json) {
    output.json({ ok: failed === 0, checks });
  } else {
    const paint = output.paint;
    for (const check of checks) {
      const marks = { ok: paint.green('ok  '), fail: paint.red('FAIL'), warn: paint.yellow('WARN'), skip: paint.dim('skip') };
      const mark = marks[check.status];
      output.marked(mark, `${check.message}${check.fix ? ` (fix: ${check.fix})` : ''}`);
    }
    output.info(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
  }
  return failed === 0 ? ExitCode.ok : ExitCode.user;
}
