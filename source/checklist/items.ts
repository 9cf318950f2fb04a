import type {CustomCheck} from '../config/schema';
import {probeCommand} from '../services/probes/command';
import {probeHttp} from '../services/probes/http';
import {UsageError} from '../core/errors';
import {formerIdsOf} from '../core/check-ids';
import {CHECKS} from './checks/index';
import {itemOf} from './declaration';
import type {ChecklistItem} from './item';
import {retryOptions, type ChecklistSetup} from './setup';

/** The default checklist (CHECKS), then the account's own checks. */
export function checklistItems(setup: ChecklistSetup): ChecklistItem[] {
	refuseTakenIds(setup.account.checks);
	return [...CHECKS.map(check => itemOf(check, setup)), ...setup.account.checks.map(check => customItem(setup, check))];
}

/** A custom check may not take a default check's id, nor an id it had before (old journals and --confirm still mean that one). */
function refuseTakenIds(checks: readonly CustomCheck[]): void {
	const taken = CHECKS.flatMap(check => [check.id, ...formerIdsOf(check.id)]);
	const clash = checks.find(check => taken.includes(check.id));
	if (clash)
		throw new UsageError(
			`The account's check "${clash.id}" has the id of a default check (${taken.join(', ')} are taken).`,
			'Give the custom check another id in the config.',
		);
}

function customItem(setup: ChecklistSetup, check: CustomCheck): ChecklistItem {
	const base = {id: check.id, title: check.title, required: check.required};
	switch (check.kind) {
		case 'http':
			return {
				...base,
				kind: 'auto',
				probe: (signal, progress) =>
					probeHttp(check.url, {expectStatus: check.expectStatus, expectBody: check.expectBody}, retryOptions(setup, signal, progress)),
			};
		case 'command':
			return {
				...base,
				kind: 'auto',
				probe: signal =>
					probeCommand(check.command, check.expectExitCode, {
						cwd: setup.configDir,
						environment: setup.services.environment,
						timeoutMs: setup.probeTimeoutMs,
						signal,
					}),
			};
		case 'manual':
			return {...base, kind: 'manual', question: check.question, link: check.link};
	}
}
