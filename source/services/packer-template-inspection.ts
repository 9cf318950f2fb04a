import path from 'node:path';
import {applyEdits, modify, type FormattingOptions} from 'jsonc-parser';
import {RUN_ID_VARIABLE} from '../core/packer-variables';
import type {PluginRequirement} from './packer/requirements';
import type {PackerTemplate} from './packer-template';

export interface DeclaredVariable {
	name: string;
	/** A `null` default: Packer refuses to build unless the variable is given. */
	required: boolean;
	/** The environment variable its default reads with `{{env `NAME`}}`. */
	fromEnvironment?: string;
}

/** Builder fields that share the AMI (or its snapshots) with other accounts. */
export const SHARING_FIELDS = ['ami_users', 'ami_groups', 'ami_org_arns', 'ami_ou_arns', 'snapshot_users', 'snapshot_groups'] as const;
export type SharingField = (typeof SHARING_FIELDS)[number];

export interface Sharing {
	field: SharingField;
	values: string[];
}

export interface TemplateBuilder {
	/** Its position in `builders`. */
	index: number;
	/** Packer's name for the build: the builder's `name`, else its `type`. */
	name: string;
	type: string;
	/** It registers an AMI, which its `tags` tag. */
	makesAmi: boolean;
	/** Its `tags` hold `ReleaseRun` = `{{user `run_id`}}`. */
	releaseRunTag: boolean;
	sharing: Sharing[];
	/** Where it builds, as its `region` says; absent when it names none (Packer then reads AWS_REGION). */
	region?: BuilderRegion;
}

/** A builder's `region`: written in the template, fed by one variable, or another expression. */
export type BuilderRegion = {literal: string} | {variable: string} | {expression: string};

export interface TemplateInspection {
	variables: DeclaredVariable[];
	sensitiveVariables: string[];
	builders: TemplateBuilder[];
	/** The manifest post-processor's `output` as written (Packer's default when it names none). */
	manifestOutput?: string;
	/** That output resolved against the template's folder, where the build runs Packer; absent when it uses other template functions than `template_dir`. */
	manifestPath?: string;
	/** The Packer versions the template accepts (`>= 1.9`): JSON's `min_packer_version`, HCL2's `required_version`. */
	requiredPackerVersion?: string;
	/** HCL2's `required_plugins`, which `packer init` installs. */
	requiredPlugins?: PluginRequirement[];
}

export const RELEASE_RUN_TAG = 'ReleaseRun';

export const AMI_BUILDERS = new Set(['amazon-ebs', 'amazon-chroot', 'amazon-instance', 'amazon-ebssurrogate']);
export const MANIFEST_DEFAULT_OUTPUT = 'packer-manifest.json';
const ENV_DEFAULT = /^\s*\{\{\s*env\s+`([^`]+)`\s*\}\}\s*$/;
const RUN_ID_REFERENCE = new RegExp(`\\{\\{\\s*user\\s+\`${RUN_ID_VARIABLE}\`\\s*\\}\\}`);
const TEMPLATE_DIR = /\{\{\s*template_dir\s*\}\}/g;
const USER_REFERENCE = /^\s*\{\{\s*user\s+`([^`]+)`\s*\}\}\s*$/;

function jsonRegion(value: unknown): BuilderRegion | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	const variable = USER_REFERENCE.exec(value)?.[1];
	if (variable) return {variable};
	return value.includes('{{') ? {expression: value} : {literal: value};
}

/**
 * What a Packer JSON template declares, tags and shares, read from its text (no Packer run).
 * A shape Packer 1.6.6 refuses to parse is refused here too, with what to fix.
 */
export function inspectTemplate(template: PackerTemplate): TemplateInspection {
	const root = JSON.parse(template.text) as Record<string, unknown>;
	const refuse = (problem: string): never => {
		throw new Error(`${template.path}: ${problem}`);
	};
	const inspection: TemplateInspection = {
		variables: declaredVariables(root.variables, refuse),
		sensitiveVariables: sensitiveVariables(root['sensitive-variables'], refuse),
		builders: builders(root.builders, refuse),
	};
	if (typeof root.min_packer_version === 'string' && root.min_packer_version !== '')
		inspection.requiredPackerVersion = `>= ${root.min_packer_version}`;
	const output = manifestOutput(root['post-processors']);
	if (output !== undefined) {
		inspection.manifestOutput = output;
		const resolved = output.replace(TEMPLATE_DIR, path.dirname(template.path));
		if (!resolved.includes('{{')) inspection.manifestPath = path.resolve(path.dirname(template.path), resolved);
	}
	return inspection;
}

function declaredVariables(value: unknown, refuse: (problem: string) => never): DeclaredVariable[] {
	if (value === undefined) return [];
	if (!isRecord(value)) return refuse('"variables" must be an object of names and default values.');
	return Object.entries(value).map(([name, defaultValue]) => {
		if (defaultValue === null) return {name, required: true};
		if (typeof defaultValue !== 'string')
			return refuse(`variable ${name}: Packer takes a string (or null) as its default, not ${JSON.stringify(defaultValue)}.`);
		const fromEnvironment = ENV_DEFAULT.exec(defaultValue)?.[1];
		return fromEnvironment ? {name, required: false, fromEnvironment} : {name, required: false};
	});
}

function sensitiveVariables(value: unknown, refuse: (problem: string) => never): string[] {
	if (value === undefined) return [];
	if (!Array.isArray(value) || !value.every(name => typeof name === 'string'))
		return refuse('"sensitive-variables" must be a list of variable names.');
	return value;
}

function builders(value: unknown, refuse: (problem: string) => never): TemplateBuilder[] {
	const list = value as unknown[];
	const names = new Set<string>();
	return list.map((builder, index) => {
		if (!isRecord(builder) || typeof builder.type !== 'string' || builder.type === '') return refuse(`builder ${index + 1} has no "type".`);
		const name = typeof builder.name === 'string' && builder.name !== '' ? builder.name : builder.type;
		if (names.has(name)) refuse(`builder ${index + 1}: another builder is named "${name}" already; give each a distinct "name".`);
		names.add(name);
		if (builder.tags !== undefined && !isRecord(builder.tags)) refuse(`builder ${name}: "tags" must be an object of tag names and values.`);
		const tag = isRecord(builder.tags) ? builder.tags[RELEASE_RUN_TAG] : undefined;
		return {
			index,
			name,
			type: builder.type,
			makesAmi: AMI_BUILDERS.has(builder.type),
			releaseRunTag: typeof tag === 'string' && RUN_ID_REFERENCE.test(tag),
			sharing: SHARING_FIELDS.flatMap(field => {
				const values = sharedWith(builder[field]);
				return values.length > 0 ? [{field, values}] : [];
			}),
			...withRegion(jsonRegion(builder.region)),
		};
	});
}

/** `{region}` when the builder names one, else nothing (an optional field stays absent). */
export function withRegion(region: BuilderRegion | undefined): {region?: BuilderRegion} {
	return region ? {region} : {};
}

/** Packer decodes a single string into a one-element list, so a string shares as much as a list. */
export function sharedWith(value: unknown): string[] {
	if (typeof value === 'string') return value === '' ? [] : [value];
	if (Array.isArray(value))
		return value.filter(entry => entry !== '' && entry !== null).map(entry => (typeof entry === 'string' ? entry : JSON.stringify(entry)));
	return [];
}

/** `post-processors` holds types by name, objects, and sequences (lists) of those. */
function manifestOutput(value: unknown): string | undefined {
	if (!Array.isArray(value)) return undefined;
	for (const entry of value.flat()) {
		if (entry === 'manifest') return MANIFEST_DEFAULT_OUTPUT;
		if (isRecord(entry) && entry.type === 'manifest')
			return typeof entry.output === 'string' && entry.output !== '' ? entry.output : MANIFEST_DEFAULT_OUTPUT;
	}
	return undefined;
}

/**
 * The template text with a `run_id` variable (default `""`) and a `ReleaseRun` = `{{user `run_id`}}`
 * tag on every builder that makes an AMI, where they are missing. Only those members are inserted
 * (or replaced), in the file's own indentation and line endings.
 */
export function withReleaseRun(template: PackerTemplate): string {
	const inspection = inspectTemplate(template);
	const options = {formattingOptions: jsonFormatting(template.text)};
	let text = template.text;
	if (!inspection.variables.some(variable => variable.name === RUN_ID_VARIABLE)) {
		text = applyEdits(text, modify(text, ['variables', RUN_ID_VARIABLE], '', options));
	}
	for (const builder of inspection.builders.filter(candidate => candidate.makesAmi && !candidate.releaseRunTag)) {
		text = applyEdits(text, modify(text, ['builders', builder.index, 'tags', RELEASE_RUN_TAG], `{{user \`${RUN_ID_VARIABLE}\`}}`, options));
	}
	return text;
}

/** The indentation and line ends a JSON file already uses, for the edits made to it. */
export function jsonFormatting(text: string): FormattingOptions {
	const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	return indent.startsWith('\t') ? {insertSpaces: false, tabSize: 1, eol} : {insertSpaces: true, tabSize: indent.length, eol};
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
