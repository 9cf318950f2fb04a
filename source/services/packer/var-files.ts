import {readFile} from 'node:fs/promises';
import {parseHcl2File} from '../packer-template-hcl2';

/** A var file of the config, as Packer reads it with `-var-file=`. */
export interface PackerVarFile {
	path: string;
	text: string;
	/** Variable name → value (a string, a number, a list, …). */
	values: Record<string, unknown>;
}

export const isHclVarFile = (file: string) => file.endsWith('.pkrvars.hcl');

/** Reads and parses each var file (`.pkrvars.hcl` with HashiCorp's parser, `.json` as JSON), in order. */
export async function readVarFiles(files: readonly string[]): Promise<PackerVarFile[]> {
	return Promise.all(
		files.map(async file => {
			const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
				throw new Error(error.code === 'ENOENT' ? `the var file ${file} does not exist` : `${file}: ${error.message}`, {cause: error});
			});
			const values = await parseHcl2File(file, text);
			if (typeof values !== 'object' || values === null || Array.isArray(values))
				throw new Error(`${file} must hold variable names and values (an object), not ${JSON.stringify(values)}.`);
			return {path: file, text, values};
		}),
	);
}

/** `-var-file=` arguments, in the config's order. */
export function varFileArgs(files: readonly string[] | undefined): string[] {
	return (files ?? []).map(file => `-var-file=${file}`);
}

/** The texts a value shows as in its file: a string, or each string inside a list or a map. */
export function valueTexts(value: unknown): string[] {
	if (typeof value === 'string') return value === '' ? [] : [value];
	if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(valueTexts);
	return value === undefined || value === null ? [] : [String(value)];
}

/** What the named variables hold in the var files, read again (the journal keeps only their names): scrubbed from Packer's output as the secrets are. */
export async function secretValuesIn(files: readonly string[], names: readonly string[]): Promise<string[]> {
	const varFiles = await readVarFiles(files);
	return varFiles.flatMap(varFile => names.flatMap(name => valueTexts(varFile.values[name])));
}
