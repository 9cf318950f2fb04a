import type {WorldPolicy} from '../../core/ports';
import type {FleetContext} from './fleet-context';
import {changeSetTable, WaveGate} from './wave-gate';

/** The gate of each wave: opened by the first rack of the wave to start, with its world's policy. */
export class WaveGates {
	private readonly gates = new Map<number, WaveGate>();

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

	of(wave: number): WaveGate {
		const gate = this.gates.get(wave);
		if (!gate) throw new Error(`The gate of wave ${wave + 1} was asked for before a rack of it started.`);
		return gate;
	}
}
