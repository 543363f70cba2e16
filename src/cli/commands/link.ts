// `devdns link`, `unlink`, `links`: a team's devdns.json served beside your own records.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DevdnsError } from '../../errors.js';
import {
  describeConflict,
  findProjectFile,
  linkProject,
  loadServedRecords,
  PROJECT_FILE_NAME,
  projectFileAt,
  RiskyProjectError,
  readLinks,
  readProjectFile,
  refusedZones,
  unlinkProject,
} from '../../store/projects.js';
import type { CommandContext } from '../context.js';
import { notifyDaemon } from '../running-daemon.js';

/** The project file a command means: `dir`'s devdns.json, or the nearest one from the current directory. */
function projectFile(dir: string | undefined): string {
  if (dir !== undefined) {
    const file = projectFileAt(dir);
    if (!existsSync(file))
      throw new DevdnsError('project-missing', `${file} does not exist`, 'create it with devdns export --format json -o devdns.json');
    return file;
  }
  const found = findProjectFile(process.cwd());
  if (!found)
    throw new DevdnsError(
      'project-missing',
      `no ${PROJECT_FILE_NAME} here or above, up to the git root`,
      'give the directory: devdns link path/to/project',
    );
  return found;
}

/** Links the file; one that claims public or mDNS names needs --force, or a yes on a terminal. */
async function linkWithConsent(context: CommandContext, path: string, force: boolean): Promise<ReturnType<typeof linkProject>> {
  try {
    return linkProject(context.home, path, { force });
  } catch (error) {
    if (!(error instanceof RiskyProjectError) || !process.stdin.isTTY) throw error;
    context.output.warn(error.message);
    const { confirm } = await import('../privilege.js');
    const question = `Serve these names from ${path}? Lookups of them on this machine will reach devdns, not the real sites.`;
    if (!(await confirm(question, false))) throw error;
    return linkProject(context.home, path, { force: true });
  }
}

export async function runLink(context: CommandContext, dir: string | undefined, options: { force?: boolean } = {}): Promise<void> {
  const { output } = context;
  const path = projectFile(dir);
  const { file, relinked, allowedZones } = await linkWithConsent(context, path, options.force === true);
  output.success(`${relinked ? 'linked again (now the most recent)' : 'linked'} ${path}: ${file.records.length} records`);
  if (allowedZones.length > 0) output.warn(`serving names outside devdns's reserved zones from it: ${allowedZones.join(', ')}`);
  for (const conflict of loadServedRecords(context.home).conflicts) output.warn(`conflict: ${describeConflict(conflict)}`);
  await notifyDaemon(context);
}

export async function runUnlink(context: CommandContext, dir: string | undefined): Promise<void> {
  const path = dir === undefined ? (findProjectFile(process.cwd()) ?? resolve(PROJECT_FILE_NAME)) : projectFileAt(dir);
  unlinkProject(context.home, path);
  context.output.success(`unlinked ${path}`);
  await notifyDaemon(context);
}

export function runLinks(context: CommandContext, options: { json?: boolean }): void {
  const { output } = context;
  const links = readLinks(context.home).map((link) => {
    try {
      const project = readProjectFile(link.path);
      const refused = refusedZones(link, project);
      const problem = refused.length > 0 ? `not served: ${refused.map((r) => r.zone).join(', ')} (devdns link --force to agree)` : null;
      return { ...link, records: project.records.length, problem };
    } catch (error) {
      return { ...link, records: 0, problem: (error as Error).message };
    }
  });
  if (options.json) {
    output.json(links);
    return;
  }
  if (links.length === 0) {
    output.info('no projects linked (link one: devdns link path/to/project)');
    return;
  }
  output.table(
    ['PROJECT FILE', 'RECORDS', 'LINKED'],
    links.map((link) => [
      link.path,
      link.problem ? `${link.records ? `${link.records}, ` : 'unreadable: '}${link.problem}` : String(link.records),
      link.linkedAt,
    ]),
  );
}
