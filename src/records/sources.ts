// Where a served record comes from: the user's own records file, or a linked project file (named
// by its path). Pure data, loaded by `ls` without the store.

/** The source of the user's own records, as `ls --json` and the control API name it. */
export const USER_SOURCE = 'user';
