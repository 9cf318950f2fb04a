import type {WorldPolicy} from '../../core/ports';
import type {FleetContext} from './fleet-context';
import {changeSetTable, WaveGate, type RackChangeSet} from './wave-gate';

/** The gate of each wave: opened by the first rack of the wave to start, with its world's policy. */
export class WaveGates {
	private readonly gates = new Map<number, WaveGate>();
	private readonly stale = new Map<number, Map<string, string>>();

	constructor(private readonly context: FleetContext) {}

	open(wave: number, policy: WorldPolicy): WaveGate {
		const known = this.gates.get(wave);
		if (known) return known;
		const {context} = this;
		const {prompter, yes} = context.session;
		const gate = new WaveGate({
			fleet: context.fleet.fleet,
			wave,
			prompter,
			yes,
			confirmed: context.fleet.confirmedWaves.includes(wave),
			prefill: policy.prefillsProductionConfirmation,
			show: (rows, index) =>
				context.emit({type: 'change-sets', wave: index, racks: rows.map(row => row.rack), table: changeSetTable(rows)}),
			onConfirmed: index =>
				context.change({type: 'wave-confirmed', wave: index, note: `Wave ${index + 1} confirmed${yes ? ' (--yes)' : ''}.`}),
		});
		this.gates.set(wave, gate);
		return gate;
	}

	/**
	 * A previewed wave whose racks' stacks changed since (rack → how): in this process, no change set of
	 * the wave is approved; every rack of it shows its change set (a fresh one where the stack changed) and waits.
	 */
	hold(wave: number, changed: Map<string, string>): void {
		this.stale.set(wave, changed);
	}

	/** The racks whose stacks changed since the wave was previewed; undefined when the wave is not held. */
	held(wave: number): ReadonlyMap<string, string> | undefined {
		return this.stale.get(wave);
	}

	/** The rack's change set of that name, as its run showed it to the wave's gate in this process. */
	previewed(wave: number, rack: string, changeSetName: string): RackChangeSet | undefined {
		const shown = this.gates.get(wave)?.previewed(rack);
		return shown?.changeSetName === changeSetName ? shown : undefined;
	}

	of(wave: number): WaveGate {
		const gate = this.gates.get(wave);
		if (!gate) throw new Error(`The gate of wave ${wave + 1} was asked for before a rack of it started.`);
		return gate;
	}
}
