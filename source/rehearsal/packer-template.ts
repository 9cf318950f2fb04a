import {PACKER_VARIABLES} from '../core/packer-variables';
import {BUILD_SECRETS} from '../core/secrets';
import {stockImage} from './aws-stand-in';

/**
 * The Packer template a rehearsal builds with the real Packer binary: the real template's
 * variables and sensitive variables, a null builder (nothing is launched), and a local step that
 * registers the "built" image with the EC2 stand-in, tagged like the real template tags its AMI.
 */
export function rehearsalTemplate(cli: string): object {
	const variable = (name: string) => `{{user \`${name}\`}}`;
	const passed = PACKER_VARIABLES;
	return {
		description: 'convox-ami rehearsal: the release template on a null builder; the image is registered with the local EC2 stand-in.',
		variables: {
			source_ami: stockImage.imageId,
			region: null,
			env: null,
			version: null,
			convox_version: null,
			run_id: null,
			...Object.fromEntries(BUILD_SECRETS.map(secret => [secret.variable, `{{env \`${secret.envName}\`}}`])),
		},
		'sensitive-variables': BUILD_SECRETS.map(secret => secret.variable),
		builders: [{type: 'null', communicator: 'none'}],
		provisioners: [
			{
				type: 'shell-local',
				inline: [
					`echo 'Rehearsal: provisioning convox-${variable('env')}-${variable('version')} from ${variable('source_ami')} (nothing is launched)'`,
					'sleep "${CONVOX_AMI_REHEARSAL_BUILD_SECONDS:-8}"',
					`'${process.execPath}' '${cli}' __rehearsal register-image ${passed.map(name => `-var '${name}=${variable(name)}'`).join(' ')}`,
				],
			},
		],
	};
}
