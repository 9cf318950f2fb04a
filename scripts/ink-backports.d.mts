import type {Plugin} from 'esbuild';

export const inkBackports: Plugin;
