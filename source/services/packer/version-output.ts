import path from 'node:path';
import {parseRecord} from './machine-readable';

export interface InstalledPlugin {
	/** `github.com/hashicorp/amazon` */
	source: string;
	/** `1.3.9`; undefined for a binary named otherwise. */
	version?: string;
	binaryPath: string;
}

/** The `version` line of `packer -machine-readable version` (`1796613000,,version,1.6.6`). */
export function versionOf(machineReadable: string): string | undefined {
	for (const line of machineReadable.split('\n')) {
		const record = parseRecord(line.trim());
		if (record?.type === 'version' && record.data[0]) return record.data[0].replace(/^v/, '');
	}
	return undefined;
}

const PLUGIN_BINARY = /^packer-plugin-[^_]+_v(\d+\.\d+\.\d+[^_]*)_x\d+\.\d+_/;

/**
 * `packer plugins installed` prints one binary per line, under the plugin folder as
 * `HOST/NAMESPACE/NAME/packer-plugin-NAME_vX.Y.Z_xA.B_OS_ARCH`: the source is the binary's last
 * three folders.
 */
export function installedPluginsOf(output: string): InstalledPlugin[] {
	return output.split('\n').flatMap(line => {
		const binaryPath = line.trim();
		const folders = path.dirname(binaryPath).split(/[\\/]/).filter(Boolean);
		if (!binaryPath.startsWith('/') && !/^[A-Za-z]:\\/.test(binaryPath)) return [];
		if (folders.length < 3) return [];
		const version = PLUGIN_BINARY.exec(path.basename(binaryPath))?.[1];
		return [{source: folders.slice(-3).join('/'), ...(version ? {version} : {}), binaryPath}];
	});
}
