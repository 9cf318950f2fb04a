export interface Metafile {
	inputs: Record<string, unknown>;
}

export interface BundledPackage {
	name: string;
	version: string;
	licence: string;
	repository?: string;
	files: Array<{name: string; text: string}>;
	/** Set when the package ships no licence file and shares the text of this one. */
	sameTextAs?: BundledPackage;
}

export function bundledPackages(metafile: Metafile, root: string): BundledPackage[];
export function thirdPartyNotices(metafile: Metafile, root: string, product: string): string;
