import {AwsError, type DeclaredParameter} from './model';

export interface TemplateSummary {
	parameters: DeclaredParameter[];
	resourceTypes: string[];
	/** Capabilities the template itself calls for (IAM resources). */
	capabilities: string[];
	description?: string;
}

type TemplateJson = {
	Description?: unknown;
	Parameters?: Record<string, {Type?: unknown; Default?: unknown; NoEcho?: unknown; Description?: unknown; AllowedValues?: unknown}>;
	Resources?: Record<string, {Type?: unknown}>;
};

export function summarizeTemplate(template: unknown): TemplateSummary {
	if (typeof template !== 'object' || template === null || Array.isArray(template)) {
		throw new AwsError('ValidationError', 'Template format error: JSON not well-formed.');
	}

	const json = template as TemplateJson;
	const parameters = Object.entries(json.Parameters ?? {}).map(([key, declaration]): DeclaredParameter => ({
		key,
		type: typeof declaration.Type === 'string' ? declaration.Type : 'String',
		...(declaration.Default === undefined ? {} : {defaultValue: String(declaration.Default)}),
		noEcho: declaration.NoEcho === true || declaration.NoEcho === 'true',
		...(typeof declaration.Description === 'string' ? {description: declaration.Description} : {}),
		...(Array.isArray(declaration.AllowedValues) ? {allowedValues: declaration.AllowedValues.map(String)} : {}),
	}));
	const resourceTypes = [...new Set(Object.values(json.Resources ?? {}).map(resource => String(resource.Type)))].sort();
	const capabilities = resourceTypes.some(type => type.startsWith('AWS::IAM::')) ? ['CAPABILITY_IAM'] : [];
	return {parameters, resourceTypes, capabilities, ...(typeof json.Description === 'string' ? {description: json.Description} : {})};
}

/** Fetches a template the way CloudFormation reads a TemplateURL; any failure is a ValidationError. */
export async function fetchTemplate(url: string): Promise<TemplateSummary> {
	let response: Response;
	try {
		response = await fetch(url, {signal: AbortSignal.timeout(10_000)});
	} catch {
		throw new AwsError('ValidationError', `TemplateURL could not be read: ${url}`);
	}

	if (!response.ok) {
		throw new AwsError('ValidationError', `S3 error: Unable to get object ${url} (HTTP ${response.status})`);
	}

	let template: unknown;
	try {
		template = JSON.parse(await response.text());
	} catch {
		throw new AwsError('ValidationError', 'Template format error: JSON not well-formed.');
	}

	return summarizeTemplate(template);
}
