// Shell completion scripts for bash, zsh and fish, generated from the commander program itself,
// so every command and option is there. Record names for `rm` and `resolve` come from devdns at
// completion time (`devdns __complete names`).
import type { Command } from 'commander';
import { EXPORT_FORMATS } from '../interop/export.js';
import { IMPORT_FORMATS } from '../interop/import-formats.js';
import { IMPORT_SOURCES } from '../interop/other-tools.js';
import { RECORD_TYPES } from '../records/types.js';

/** The values an option takes: the same for every command, or per command (`import` reads formats `export` cannot write). */
const VALUES: Record<string, readonly string[] | Readonly<Record<string, readonly string[]>>> = {
  '--type': [...RECORD_TYPES],
  '-t': [...RECORD_TYPES],
  '--format': { export: EXPORT_FORMATS, import: IMPORT_FORMATS },
  '--from': { import: IMPORT_SOURCES },
  '--resolver': ['macos', 'systemd-resolved', 'networkmanager-dnsmasq', 'dnsmasq'],
  '--platform': ['linux', 'darwin'],
};

/** Each option's values as [command, or undefined for any, flag, values]. */
type ValueCase = [command: string | undefined, flag: string, values: readonly string[]];

function valueCases(): ValueCase[] {
  return Object.entries(VALUES).flatMap(([flag, values]): ValueCase[] =>
    isList(values) ? [[undefined, flag, values]] : Object.entries(values).map(([command, each]): ValueCase => [command, flag, each]),
  );
}

const isList = (values: readonly string[] | Readonly<Record<string, readonly string[]>>): values is readonly string[] =>
  Array.isArray(values);

/** The pattern a shell `case` matches against "COMMAND FLAG". */
const casePattern = (command: string | undefined, flag: string) => (command === undefined ? `*" ${flag}"` : `"${command} ${flag}"`);

function valuesFor(command: string, flag: string): readonly string[] | undefined {
  return valueCases().find(([only, option]) => option === flag && (only === undefined || only === command))?.[2];
}

const ACTIONS: Record<string, string[]> = {
  service: ['install', 'uninstall'],
  hosts: ['sync', 'clean'],
  config: ['list', 'get', 'set', 'unset'],
  completion: ['bash', 'zsh', 'fish'],
};

const NAMED = ['rm', 'resolve'];

interface CommandInfo {
  name: string;
  description: string;
  options: string[];
}

function describe(program: Command): CommandInfo[] {
  return program.commands
    .filter((command) => !command.name().startsWith('__'))
    .map((command) => ({
      name: command.name(),
      description: command.description(),
      options: command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag))),
    }));
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

export function bashCompletion(program: Command, settingKeys: readonly string[]): string {
  const commands = describe(program);
  const optionCases = commands.map((c) => `    ${c.name}) opts=${quote([...c.options, '--help'].join(' '))} ;;`).join('\n');
  const values = valueCases()
    .map(
      ([only, flag, each]) => `    ${casePattern(only, flag)}) COMPREPLY=( $(compgen -W ${quote(each.join(' '))} -- "$cur") ); return ;;`,
    )
    .join('\n');
  const actionCases = Object.entries(ACTIONS)
    .map(
      ([command, actions]) =>
        `    ${command}) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=( $(compgen -W ${quote(actions.join(' '))} -- "$cur") ) ;;`,
    )
    .join('\n');
  return `# devdns completion for bash. Install: devdns completion bash > ~/.local/share/bash-completion/completions/devdns
_devdns() {
  local cur prev cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${quote(commands.map((c) => c.name).join(' '))} -- "$cur") )
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd $prev" in
${values}
  esac
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
${optionCases}
      *) opts='--help' ;;
    esac
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
    return
  fi
  case "$cmd" in
    ${NAMED.join('|')}) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=( $(compgen -W "$(devdns __complete names 2>/dev/null)" -- "$cur") ) ;;
${actionCases}
  esac
  if [ "$cmd" = config ] && [ "$COMP_CWORD" -eq 3 ]; then
    COMPREPLY=( $(compgen -W ${quote(settingKeys.join(' '))} -- "$cur") )
  fi
}
complete -o default -F _devdns devdns
`;
}

export function zshCompletion(program: Command, settingKeys: readonly string[]): string {
  const commands = describe(program);
  const list = commands.map((c) => `    ${quote(`${c.name.replace(/:/g, '\\:')}:${c.description.replace(/'/g, '')}`)}`).join('\n');
  const optionCases = commands.map((c) => `      ${c.name}) compadd -- ${[...c.options, '--help'].join(' ')} ;;`).join('\n');
  const values = valueCases()
    .map(([only, flag, each]) => `    ${casePattern(only, flag)}) compadd -- ${each.join(' ')}; return ;;`)
    .join('\n');
  const actionCases = Object.entries(ACTIONS)
    .map(([command, actions]) => `    ${command}) (( CURRENT == 3 )) && compadd -- ${actions.join(' ')} ;;`)
    .join('\n');
  return `#compdef devdns
# devdns completion for zsh. Install: devdns completion zsh > "\${fpath[1]}/_devdns" (then restart zsh)
_devdns() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2] $words[CURRENT-1]" in
${values}
  esac
  if [[ $words[CURRENT] == -* ]]; then
    case $words[2] in
${optionCases}
    esac
    return
  fi
  case $words[2] in
    ${NAMED.join('|')}) (( CURRENT == 3 )) && compadd -- \${(f)"$(devdns __complete names 2>/dev/null)"} ;;
${actionCases}
    config) (( CURRENT == 4 )) && compadd -- ${settingKeys.join(' ')} ;;
  esac
}
compdef _devdns devdns
`;
}

export function fishCompletion(program: Command, settingKeys: readonly string[]): string {
  const commands = describe(program);
  const lines = [
    '# devdns completion for fish. Install: devdns completion fish > ~/.config/fish/completions/devdns.fish',
    'complete -c devdns -f',
  ];
  for (const command of commands) {
    lines.push(`complete -c devdns -n __fish_use_subcommand -a ${command.name} -d ${quote(command.description)}`);
    for (const option of command.options.filter((flag) => flag.startsWith('--'))) {
      const values = valuesFor(command.name, option);
      lines.push(
        `complete -c devdns -n '__fish_seen_subcommand_from ${command.name}' -l ${option.slice(2)}${values ? ` -xa ${quote(values.join(' '))}` : ''}`,
      );
    }
  }
  lines.push(`complete -c devdns -n '__fish_seen_subcommand_from ${NAMED.join(' ')}' -xa '(devdns __complete names 2>/dev/null)'`);
  for (const [command, actions] of Object.entries(ACTIONS))
    lines.push(`complete -c devdns -n '__fish_seen_subcommand_from ${command}' -xa ${quote(actions.join(' '))}`);
  lines.push(`complete -c devdns -n '__fish_seen_subcommand_from config' -xa ${quote(settingKeys.join(' '))}`);
  lines.push(`complete -c devdns -n '__fish_seen_subcommand_from import' -F`);
  return `${lines.join('\n')}\n`;
}
