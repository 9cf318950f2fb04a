import terminalLink from 'terminal-link';
import type {Prompter} from '../core/prompter';
import type {ManualItem} from './item';

export type ManualAnswer = 'yes' | 'no' | 'skip';
export type FollowUp = 'retry' | 'skip' | 'note' | 'leave';

function linked(url: string): string {
	return terminalLink(url, url, {fallback: (_text, target) => target});
}

export function askManual(prompt: Prompter, item: ManualItem): Promise<ManualAnswer> {
	const link = item.link ? `\n${linked(item.link)}` : '';
	return prompt.select<ManualAnswer>({
		message: `${item.title}: ${item.question}${link}`,
		choices: [
			{value: 'yes', label: 'Yes', hint: 'confirmed'},
			{value: 'no', label: 'No', hint: 'the check fails'},
			{value: 'skip', label: 'Skip', hint: 'with a reason'},
		],
		remedy: `--confirm ${item.id}`,
		// "Yes" passes the check: only a choice made on purpose answers it.
		noDefault: true,
	});
}

export function askFollowUp(prompt: Prompter, title: string, detail: string): Promise<FollowUp> {
	return prompt.select<FollowUp>({
		message: `${title} failed: ${detail}`,
		choices: [
			{value: 'retry', label: 'Retry', hint: 'run the check again'},
			{value: 'skip', label: 'Skip with a reason', hint: 'counts as accepted'},
			{value: 'note', label: 'Add a note', hint: 'recorded in the journal and report'},
			{value: 'leave', label: 'Leave it failed'},
		],
		remedy: '--yes (a failed check then fails the step)',
	});
}

const required = (value: string) => (value.trim() === '' ? 'Please type something.' : undefined);

export async function askReason(prompt: Prompter, title: string, remedy: string): Promise<string> {
	return (await prompt.text({message: `Why skip ${title}?`, remedy, validate: required})).trim();
}

export async function askNote(prompt: Prompter, title: string): Promise<string> {
	return (await prompt.text({message: `Note for ${title}:`, remedy: '--yes', validate: required})).trim();
}
