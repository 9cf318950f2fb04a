import type {Plugin} from 'esbuild';

export const STANDALONE_BLOCKS: Array<[number, number]>;
export const stringWidthFastPath: Plugin;
