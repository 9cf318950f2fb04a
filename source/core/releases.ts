import {z} from 'zod';

export const versionsSchema = z.array(
	z.object({
		version: z.string().min(1),
		description: z.string().optional().default(''),
		published: z.boolean(),
		required: z.boolean().optional().default(false),
	}),
);
export type VersionEntry = z.infer<typeof versionsSchema>[number];

export interface FormationParameter {
	Type?: string;
	Default?: string | number;
	NoEcho?: boolean | string;
	Description?: string;
}

export interface Formation {
	Parameters?: Record<string, FormationParameter>;
	Mappings?: Record<string, Record<string, Record<string, unknown>>>;
	[key: string]: unknown;
}

export interface FetchedFormation {
	url: string;
	bytes: number;
	template: Formation;
}

export interface ReleasesService {
	readonly baseUrl: string;
	templateUrl(version: string): string;
	versions(signal?: AbortSignal): Promise<VersionEntry[]>;
	formation(version: string, signal?: AbortSignal): Promise<FetchedFormation>;
}
