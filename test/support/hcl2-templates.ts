import {copyFile, cp, mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {CliWorld} from './cli-env';

const HCL2_FIXTURES = new URL('../fixtures/hcl2/', import.meta.url).pathname;
const SHIPPED_PACKER = new URL('../../packer/', import.meta.url).pathname;

export type Hcl2Template = 'shipped' | 'operator';

/** Where each twin goes in the world, as the config names it. */
const TEMPLATE_PATHS: Record<Hcl2Template, string> = {
	// The twin finds the shipped files at ${path.root}/../../../packer, as it does in this repository.
	shipped: 'test/fixtures/hcl2/convox-ami.pkr.hcl',
	operator: 'packer/hcl2',
};

/** The var file the config names, relative to the world's folder. */
export const DEV_VAR_FILE = 'packer/vars/dev.pkrvars.hcl';

/**
 * An HCL2 twin in the world's folder (the shipped template's beside the shipped provisioning files, or
 * the operator's folder of two files), and the config naming it and a var file holding `vars`.
 */
export async function useHcl2Template(
	world: CliWorld,
	template: Hcl2Template,
	vars: string,
	config: (current: Record<string, unknown>) => Record<string, unknown> = current => current,
): Promise<void> {
	if (template === 'shipped') {
		const twin = path.join(world.dir, TEMPLATE_PATHS.shipped);
		await mkdir(path.dirname(twin), {recursive: true});
		await copyFile(path.join(HCL2_FIXTURES, 'convox-ami.pkr.hcl'), twin);
		await cp(SHIPPED_PACKER, path.join(world.dir, 'packer'), {recursive: true});
	} else {
		const folder = path.join(world.dir, TEMPLATE_PATHS.operator);
		await mkdir(folder, {recursive: true});
		for (const file of ['template.pkr.hcl', 'secrets.pkr.json']) {
			await copyFile(path.join(HCL2_FIXTURES, 'operator', file), path.join(folder, file));
		}
	}
	await mkdir(path.dirname(path.join(world.dir, DEV_VAR_FILE)), {recursive: true});
	await writeFile(path.join(world.dir, DEV_VAR_FILE), vars);
	const current = JSON.parse(await readFile(world.configPath, 'utf8')) as Record<string, unknown>;
	await writeFile(world.configPath, JSON.stringify(config({...current, template: TEMPLATE_PATHS[template], varFiles: [DEV_VAR_FILE]})));
}
