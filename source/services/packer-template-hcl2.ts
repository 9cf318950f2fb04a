import {readdir, readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import type {PluginRequirement} from './packer/requirements';
import {RUN_ID_VARIABLE} from '../core/packer-variables';
import type {PackerTemplate} from './packer-template';
import {
	AMI_BUILDERS,
	MANIFEST_DEFAULT_OUTPUT,
	RELEASE_RUN_TAG,
	SHARING_FIELDS,
	sharedWith,
	withRegion,
	type BuilderRegion,
	type DeclaredVariable,
	type TemplateBuilder,
	type TemplateInspection,
} from './packer-template-inspection';
import {errorText} from '../core/errors';

/**
 * Packer's own rule: a `.pkr.hcl` or `.pkr.json` file, or a folder of them, is HCL2; any other
 * file is a JSON template. (Other than a `.json` file, only a folder can be read at all.)
 */
export function isHcl2Path(location: string): boolean {
	return location.endsWith('.pkr.hcl') || location.endsWith('.pkr.json') || !location.endsWith('.json');
}

/**
 * The variables to pass with `-var`: Packer refuses an undeclared `-var` for an HCL2 template
 * ("Undefined -var variable"), where a JSON template ignores it.
 */
export function passableVariables(
	location: string,
	variables: Record<string, string>,
	declared: readonly string[] | undefined,
): Record<string, string> {
	if (!isHcl2Path(location) || !declared) return variables;
	return Object.fromEntries(Object.entries(variables).filter(([name]) => declared.includes(name)));
}

/** HCL2 as JSON (hcl2json's output and the `.pkr.json` syntax): blocks by type and labels, each a list of bodies. */
export type Body = Record<string, unknown>;

const ENV_DEFAULT = /^\$\{env\("([^"]+)"\)\}$/;
const RUN_ID_REFERENCE = `\${var.${RUN_ID_VARIABLE}}`;
const PATH_ROOT = /\$\{path\.root\}/g;
/** `region = var.NAME` (hcl2json writes it `${var.NAME}`; so does the `.pkr.json` syntax). */
const VAR_REFERENCE = /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$/;

function hclRegion(value: unknown): BuilderRegion | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	const variable = VAR_REFERENCE.exec(value)?.[1];
	if (variable) return {variable};
	return value.includes('${') ? {expression: value} : {literal: value};
}

/** The files Packer reads for a location: the file itself, or the folder's `*.pkr.hcl` and `*.pkr.json` (not its var files). */
export async function templateFiles(location: string, isFolder: boolean): Promise<string[]> {
	if (!isFolder) return [location];
	const names = (await readdir(location)).filter(name => name.endsWith('.pkr.hcl') || name.endsWith('.pkr.json')).sort();
	if (names.length === 0) throw new Error(`${location} holds no *.pkr.hcl or *.pkr.json file.`);
	return names.map(name => path.join(location, name));
}

/** One file of HCL2 (`.hcl`, hcl2json's output as objects) or of its JSON syntax (`.json`). */
export async function parseHcl2File(file: string, text: string): Promise<Body> {
	if (file.endsWith('.json')) {
		try {
			return JSON.parse(text) as Body;
		} catch (error) {
			// V8's message quotes the text around the fault, which may be a secret of a var file: only where it is.
			const position = /at position (\d+)/.exec(errorText(error))?.[1];
			const before = position === undefined ? undefined : text.slice(0, Number(position)).split('\n');
			const where = before ? ` (line ${before.length}, column ${before.at(-1)!.length + 1})` : '';
			// eslint-disable-next-line preserve-caught-error -- the cause's message quotes the file's text
			throw new Error(`${file} is not valid JSON${where}.`);
		}
	}
	// A CommonJS package whose exports are getters: bundled (dist/), only its default export (module.exports) has them.
	const {parse} = (await import('@cdktf/hcl2json')).default;
	try {
		return await parse(path.basename(file), text);
	} catch (error) {
		throw new Error(`${file} is not valid HCL2: ${errorText(error)}`, {cause: error});
	}
}

function isRecord(value: unknown): value is Body {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A block's bodies: hcl2json gives a list; the `.pkr.json` syntax also allows a single object. */
function bodies(value: unknown): Body[] {
	if (Array.isArray(value)) return value.filter(isRecord);
	return isRecord(value) ? [value] : [];
}

/** `{LABEL: bodies}` of every file, in file order. */
function labelled(roots: Body[], type: string): Array<[string, Body[]]> {
	return roots.flatMap(root =>
		isRecord(root[type]) ? Object.entries(root[type]).map(([label, value]) => [label, bodies(value)] as [string, Body[]]) : [],
	);
}

function variables(roots: Body[]): DeclaredVariable[] {
	return labelled(roots, 'variable').map(([name, [body = {}]]) => {
		const fallback = body.default;
		if (!('default' in body) || fallback === null) return {name, required: true};
		const fromEnvironment = typeof fallback === 'string' ? ENV_DEFAULT.exec(fallback)?.[1] : undefined;
		return fromEnvironment ? {name, required: false, fromEnvironment} : {name, required: false};
	});
}

function builders(roots: Body[], refuse: (problem: string) => never): TemplateBuilder[] {
	return labelled(roots, 'source')
		.flatMap(([type, named]) =>
			named.flatMap(namedSources =>
				Object.entries(namedSources).map(([name, value]) => {
					const [body = {}] = bodies(value);
					if (body.tags !== undefined && !isRecord(body.tags))
						refuse(`source ${type}.${name}: "tags" must be a map of tag names and values.`);
					const tag = isRecord(body.tags) ? body.tags[RELEASE_RUN_TAG] : undefined;
					return {type, name: `${type}.${name}`, body, tag};
				}),
			),
		)
		.map(({type, name, body, tag}, index) => ({
			index,
			name,
			type,
			makesAmi: AMI_BUILDERS.has(type),
			releaseRunTag: tag === RUN_ID_REFERENCE,
			sharing: SHARING_FIELDS.flatMap(field => {
				const values = sharedWith(body[field]);
				return values.length > 0 ? [{field, values}] : [];
			}),
			...withRegion(hclRegion(body.region)),
		}));
}

/** The manifest post-processor of any build, alone or in a `post-processors` sequence. */
function manifestOutput(roots: Body[]): string | undefined {
	for (const build of roots.flatMap(root => bodies(root.build))) {
		const holders = [build, ...bodies(build['post-processors'])];
		for (const holder of holders) {
			const manifest = isRecord(holder['post-processor']) ? bodies(holder['post-processor'].manifest)[0] : undefined;
			if (manifest) return typeof manifest.output === 'string' && manifest.output !== '' ? manifest.output : MANIFEST_DEFAULT_OUTPUT;
		}
	}
	return undefined;
}

function packerSettings(roots: Body[]): Pick<TemplateInspection, 'requiredPackerVersion' | 'requiredPlugins'> {
	const blocks = roots.flatMap(root => bodies(root.packer));
	const version = blocks.map(block => block.required_version).find(value => typeof value === 'string' && value !== '') as
		string | undefined;
	const plugins: PluginRequirement[] = blocks
		.flatMap(block => bodies(block.required_plugins))
		.flatMap(named => Object.values(named).filter(isRecord))
		.flatMap(plugin =>
			typeof plugin.source === 'string'
				? [{source: plugin.source, ...(typeof plugin.version === 'string' ? {version: plugin.version} : {})}]
				: [],
		);
	return {...(version ? {requiredPackerVersion: version} : {}), ...(plugins.length > 0 ? {requiredPlugins: plugins} : {})};
}

export interface Hcl2Template {
	template: PackerTemplate;
	inspection: TemplateInspection;
}

/**
 * What an HCL2 template declares, tags and shares, parsed with HashiCorp's HCL parser (no Packer
 * run), in the shape a JSON template's inspection has. Builders are Packer's build names
 * (`amazon-ebs.NAME`); the text is that of its files, one after the other.
 */
export async function readHcl2Template(location: string): Promise<Hcl2Template> {
	const isFolder = (await stat(location)).isDirectory();
	if (!isFolder && !location.endsWith('.pkr.hcl') && !location.endsWith('.pkr.json'))
		throw new Error(
			`${location}: Packer reads a file as HCL2 only when it is named *.pkr.hcl or *.pkr.json, and as JSON when named *.json.`,
		);
	const files = await templateFiles(location, isFolder);
	const texts = await Promise.all(files.map(file => readFile(file, 'utf8')));
	const roots = await Promise.all(files.map((file, index) => parseHcl2File(file, texts[index]!)));
	const refuse = (problem: string): never => {
		throw new Error(`${location}: ${problem}`);
	};
	const declared = variables(roots);
	const inspection: TemplateInspection = {
		variables: declared,
		sensitiveVariables: labelled(roots, 'variable').flatMap(([name, [body]]) => (body?.sensitive === true ? [name] : [])),
		builders: builders(roots, refuse),
		...packerSettings(roots),
	};
	const output = manifestOutput(roots);
	if (output !== undefined) {
		inspection.manifestOutput = output;
		// Packer runs in the folder that holds the template (the build's cwd); path.root is the template's own folder.
		const resolved = output.replace(PATH_ROOT, isFolder ? location : path.dirname(location));
		if (!resolved.includes('${')) inspection.manifestPath = path.resolve(path.dirname(location), resolved);
	}
	const sourceAmi = labelled(roots, 'variable').find(([name]) => name === 'source_ami')?.[1][0]?.default;
	const template: PackerTemplate = {path: location, text: texts.join('\n')};
	if (typeof sourceAmi === 'string' && sourceAmi !== '' && !sourceAmi.includes('${')) template.sourceAmi = sourceAmi;
	return {template, inspection};
}
