// `devdns link`, `unlink`, `links`: a team's devdns.json served beside your own records.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DevdnsError } from '../../errors.js';
import {
  describeConflict,
  findProjectFile,
  linkProject,
  loadServedRecords,
  PROJECT_FILE_NAME,
  readLinks,
  readProjectFile,
  unlinkProject,
} from '../../store/projects.js';
import type { CommandContext } from '../context.js';
import { notifyDaemon } from '../daemon-link.js';

/** The project file a command means: `dir`'s devdns.json, or the nearest one from the current directory. */
function projectFile(dir: string | undefined): string {
  if (dir !== undefined) {
    const path = resolve(dir);
    const file = existsSync(path) && statSync(path).isFile() ? path : join(path, PROJECT_FILE_NAME);
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

export async function runLink(context: CommandContext, dir: string | undefined): Promise<void> {
  const { output } = context;
  const path = projectFile(dir);
  const { file, relinked } = linkProject(context.home, path);
  output.success(`${relinked ? 'linked again (now the most recent)' : 'linked'} ${path}: ${file.records.length} records`);
  for (const conflict of loadServedRecords(context.home).conflicts) output.warn(`conflict: ${describeConflict(conflict)}`);
  await notifyDaemon(context);
}

export async function runUnlink(context: CommandContext, dir: string | undefined): Promise<void> {
  const path =
    dir === undefined
      ? (findProjectFile(process.cwd()) ?? resolve(PROJECT_FILE_NAME))
      : existsSync(resolve(dir)) && statSync(resolve(dir)).isFile()
        ? resolve(dir)
        : join(resolve(dir), PROJECT_FILE_NAME);
  unlinkProject(context.home, path);
  context.output.success(`unlinked ${path}`);
  await notifyDaemon(context);
}

export function runLinks(context: CommandContext, options: { json?: boolean }): void {
  const { output } = context;
  const links = readLinks(context.home).map((link) => {
    try {
      return { ...link, records: readProjectFile(link.path).records.length, problem: null as string | null };
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
    links.map((link) => [link.path, link.problem ? `unreadable: ${link.problem}` : String(link.records), link.linkedAt]),
  );
}
