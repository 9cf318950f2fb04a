import {instancesToReplace} from '../../convox/instances-to-replace';
import type {Prompter} from '../../core/prompter';
import type {ParameterChange, ResourceChange} from '../../core/types';

/** One rack's change set, as its preview showed it. */
export interface RackChangeSet {
	rack: string;
	stackName: string;
	changeSetName: string;
	parameters: ParameterChange[];
	changes: ResourceChange[];
	production: boolean;
}

export interface WaveGateOptions {
	fleet: string;
	wave: number;
	prompter: Prompter;
	yes: boolean;
	/** A rehearsal types the fleet's name in already, so its whole flow goes with Enter and y. */
	prefill?: boolean;
	/** The wave was confirmed before (by an earlier process of this fleet run): nothing is asked again. */
	confirmed: boolean;
	/** The preview table of the racks about to be updated. */
	show(rows: RackChangeSet[], wave: number): void;
	/** Recorded in the fleet journal: a resumed fleet does not ask again. */
	onConfirmed(wave: number): void;
}

function cell(parameter: ParameterChange): string {
	const value = (text: string | undefined) => (parameter.masked ? '****' : text === undefined || text === '' ? '(none)' : text);
	return `${parameter.key} ${value(parameter.old)} → ${value(parameter.new)}`;
}

/** rack | parameters old → new | instances to replace, as plain text columns. */
export function changeSetTable(rows: RackChangeSet[]): string {
	const lines = [['RACK', 'STACK', 'PARAMETERS (old → new)', 'INSTANCES TO REPLACE']];
	for (const row of rows) {
		const replaced = instancesToReplace(row.changes, row.parameters);
		lines.push([
			row.rack,
			row.stackName,
			row.parameters.map(cell).join(', ') || '(none)',
			replaced === undefined ? 'every instance' : String(replaced),
		]);
	}
	const widths = lines[0]!.map((_, index) => Math.max(...lines.map(line => line[index]!.length)));
	return lines
		.map(line =>
			line
				.map((text, index) => text.padEnd(widths[index]!))
				.join('  ')
				.trimEnd(),
		)
		.join('\n');
}

interface Arrival {
	changeSet: RackChangeSet;
	answer: (go: boolean) => void;
	fail: (error: unknown) => void;
}

/**
 * The racks of a wave meet here before their change sets are executed: once every rack running in
 * the wave has previewed its change set (or ended otherwise), one table shows them all and one
 * answer (for production, the fleet's name typed) lets them all go. Racks of the wave that start
 * later, once the wave is confirmed, go through at once.
 */
export class WaveGate {
	private readonly inside = new Set<string>();
	private readonly arrived = new Map<string, Arrival>();
	private readonly previews = new Map<string, RackChangeSet>();
	private confirmed: boolean;
	private asking = false;

	constructor(private readonly options: WaveGateOptions) {
		this.confirmed = options.confirmed;
	}

	enter(rack: string): void {
		this.inside.add(rack);
	}

	/** The rack's run ended (or will not reach its change set): the others need not wait for it. */
	leave(rack: string): void {
		this.inside.delete(rack);
		this.open();
	}

	preview(changeSet: RackChangeSet): void {
		this.previews.set(changeSet.rack, changeSet);
	}

	/** The change set the rack's run showed last in this process. */
	previewed(rack: string): RackChangeSet | undefined {
		return this.previews.get(rack);
	}

	/** The rack's update-stack asks to execute its change set: answered for the wave. */
	arrive(rack: string, fallback: Omit<RackChangeSet, 'parameters' | 'changes'>): Promise<boolean> {
		const changeSet = this.previews.get(rack) ?? {...fallback, parameters: [], changes: []};
		if (this.confirmed) {
			this.options.show([changeSet], this.options.wave);
			return Promise.resolve(true);
		}
		return new Promise<boolean>((answer, fail) => {
			this.arrived.set(rack, {changeSet, answer, fail});
			this.open();
		});
	}

	private open(): void {
		if (this.asking || this.arrived.size === 0 || [...this.inside].some(rack => !this.arrived.has(rack))) return;
		this.asking = true;
		const waiting = [...this.arrived.values()];
		this.arrived.clear();
		void this.ask(waiting.map(arrival => arrival.changeSet)).then(
			go => {
				this.asking = false;
				if (go) {
					this.confirmed = true;
					this.options.onConfirmed(this.options.wave);
				}
				for (const arrival of waiting) arrival.answer(go);
				this.open();
			},
			error => {
				this.asking = false;
				for (const arrival of waiting) arrival.fail(error);
			},
		);
	}

	private async ask(rows: RackChangeSet[]): Promise<boolean> {
		const {fleet, wave, prompter, yes} = this.options;
		this.options.show(rows, wave);
		const replaced = rows.map(row => instancesToReplace(row.changes, row.parameters));
		const instances = replaced.some(count => count === undefined)
			? 'every instance of some clusters'
			: `${replaced.reduce<number>((sum, count) => sum + (count ?? 0), 0)} instance(s) in all`;
		const go = await prompter.confirm({
			message: `Execute the ${rows.length} change set(s) of wave ${wave + 1} of fleet ${fleet}? They replace ${instances}.`,
			remedy: '--yes',
			defaultValue: false,
		});
		const production = rows.filter(row => row.production);
		if (go && production.length > 0 && !yes) {
			await prompter.text({
				message: `Wave ${wave + 1} updates PRODUCTION stacks (${production.map(row => row.stackName).join(', ')}). Type the fleet's name to go on:`,
				remedy: '--yes',
				...(this.options.prefill ? {defaultValue: fleet} : {}),
				validate: value => (value.trim() === fleet ? undefined : `Type ${fleet} exactly, or press Ctrl-C to stop`),
			});
		}
		return go;
	}
}

/**
 * What a rack's run asks goes to the session's prompter, except the execution of its change set
 * (answered by the wave's gate) and the production stack's name (typed once for the wave).
 */
export function rackPrompter(
	prompter: Prompter,
	gate: () => WaveGate,
	rack: Omit<RackChangeSet, 'parameters' | 'changes' | 'changeSetName'>,
	{held = false}: {held?: boolean} = {},
): Prompter {
	return {
		/** A held wave asks nobody: its racks' previewed change sets go on waiting. */
		get interactive() {
			return prompter.interactive && !held;
		},
		select: question => prompter.select(question),
		secret: question => prompter.secret(question),
		confirm: question => {
			if (question.id !== 'execute-change-set') return prompter.confirm(question);
			return gate().arrive(rack.rack, {...rack, changeSetName: ''});
		},
		text: async question => (question.id === 'production-stack-name' ? rack.stackName : prompter.text(question)),
	};
}
