import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {describeStack, parameterValue, StackNotFoundError, type StackSnapshot} from '../services/cloudformation/stack';
import type {VersionEntry} from '../services/releases';
import {StepFailedError, UsageError} from '../workflow/errors';
import type {Step, StepContext} from '../workflow/step';
import {sourceAmiFor, templateParameters} from './formation-ami';
import {requiredBetween, selectVersion} from './select-version';

const TEMPLATE_BODY_LIMIT = 51_200;

async function readStack(cloudformation: CloudFormationClient, ctx: StepContext): Promise<StackSnapshot> {
	try {
		return await describeStack(cloudformation, ctx.account.stackName, ctx.signal);
	} catch (error) {
		if (error instanceof StackNotFoundError) {
			throw new UsageError(`The stack ${ctx.account.stackName} does not exist in account ${ctx.account.accountId} (${ctx.region}).`, `Check accounts.${ctx.envName}.stackName and the region.`);
		}
		ctx.signal.throwIfAborted();
		throw new StepFailedError(`Cannot read the stack ${ctx.account.stackName}: ${(error as Error).message}`, 'Check the network and permissions, then run `convox-ami resume`.');
	}
}

async function chooseVersion(ctx: StepContext, entries: VersionEntry[], url: string): Promise<string> {
	const pin = ctx.flags.convoxVersion ?? ctx.run.options.convoxVersion;
	const selection = selectVersion(entries, pin);
	switch (selection.kind) {
		case 'none-published':
			throw new UsageError(
				selection.total === 0 ? `${url} lists no versions at all.` : `${url} lists ${selection.total} versions, but none is a published release build.`,
				'Pin one with --convox-version V if you must, or check CONVOX_RELEASES_URL.',
			);
		case 'pinned':
			ctx.emit({type: 'notice', step: 'resolve-version', level: 'info', message: `Convox ${selection.entry.version} (pinned: --convox-version, or the version a promoted release carries)`});
			return selection.entry.version;
		case 'pinned-unknown':
		case 'pinned-unpublished': {
			const version = selection.kind === 'pinned-unknown' ? selection.version : selection.entry.version;
			const what = selection.kind === 'pinned-unknown' ? `${version} is not in ${url}` : `${version} is not published`;
			if (ctx.flags.yes) throw new UsageError(`The pinned Convox version ${what}; --yes does not confirm that.`, 'Pin a published version, or run without --yes and confirm.');
			const sure = await ctx.prompt.confirm({message: `The pinned Convox version ${what}. Release it anyway?`, remedy: '--convox-version with a published version', defaultValue: false});
			if (!sure) throw new UsageError(`Stopped: the pinned Convox version ${what}.`, 'Pin a published version with --convox-version.');
			ctx.emit({type: 'notice', step: 'resolve-version', level: 'warn', message: `Using Convox ${version} although ${what} (confirmed by the operator).`});
			return version;
		}
		case 'newest':
			if (selection.convoxRule) {
				ctx.emit({
					type: 'notice',
					step: 'resolve-version',
					level: 'warn',
					message: `Convox's own CLI would take ${selection.convoxRule.version} (the last published entry of versions.json); taking ${selection.entry.version}, the newest published by timestamp. Pin with --convox-version to choose.`,
				});
			}
			if (selection.skippedBranches.length > 0) {
				ctx.emit({type: 'notice', step: 'resolve-version', level: 'info', message: `Skipped published branch builds: ${selection.skippedBranches.join(', ')}`});
			}
			ctx.emit({type: 'notice', step: 'resolve-version', level: 'info', message: `Convox ${selection.entry.version}: the newest published version`});
			return selection.entry.version;
	}
}

export const resolveVersionStep: Step = {
	id: 'resolve-version',
	async run(ctx) {
		const {releases} = ctx.services;
		const versionsUrl = `${releases.baseUrl}/versions.json`;
		const entries = await releases.versions(ctx.signal);
		const convoxVersion = await chooseVersion(ctx, entries, versionsUrl);

		const {cloudformation} = await ctx.services.aws();
		const stack = await readStack(cloudformation, ctx);
		const current = (key: string) => parameterValue(stack, key);
		const stackVersion = current('Version');
		ctx.emit({type: 'notice', step: 'resolve-version', level: 'info', message: `Stack ${ctx.account.stackName}: ${stack.status}, Convox ${stackVersion ?? '?'} on ${current('Ami') || 'the stock AMI'}`});
		const required = requiredBetween(entries, stackVersion, convoxVersion);
		if (required.length > 0) {
			ctx.emit({
				type: 'notice',
				step: 'resolve-version',
				level: 'warn',
				message: `Required Convox versions lie between the stack's ${stackVersion} and ${convoxVersion}: ${required.map(entry => entry.version).join(', ')}. Convox expects racks to pass through them; consider --convox-version ${required[0]!.version} first.`,
			});
		}

		const formation = await releases.formation(convoxVersion, ctx.signal);
		const lookup = sourceAmiFor(formation.template, convoxVersion, ctx.region);
		if ('problem' in lookup) throw new UsageError(lookup.problem);
		ctx.emit({type: 'notice', step: 'resolve-version', level: 'info', message: `Base AMI for ${ctx.region}: ${lookup.ami}`});
		if (formation.bytes > TEMPLATE_BODY_LIMIT) {
			ctx.emit({type: 'notice', step: 'resolve-version', level: 'info', message: `formation.json is ${Math.round(formation.bytes / 1024)} KB, over the 50 KB TemplateBody limit: the update goes by TemplateURL.`});
		}
		return {
			convoxVersion,
			sourceAmi: lookup.ami,
			templateUrl: formation.url,
			templateBytes: formation.bytes,
			templateParameters: templateParameters(formation.template),
			stackStatus: stack.status,
			stackParameters: stack.parameters,
			stackVersion: stackVersion ?? null,
			stackAmi: current('Ami') ?? null,
		};
	},
};
