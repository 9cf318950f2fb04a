import type {Run, RunMode} from './types';

/**
 * The one model of a run's mode. The journal keeps `mode` ('live' | 'dry-run' | 'rehearsal') and,
 * for a rehearsal that only shows its writes, `options.dryRun`; every reader derives this from them.
 * Steps read `readOnly` only: the world (live AWS or the rehearsal's stand-ins) is the services' business.
 */
export interface RunModel {
	world: 'live' | 'rehearsal';
	/** Every read happens, every write is shown, none is made. */
	readOnly: boolean;
}

export function runModeOf(run: Pick<Run, 'mode'> & {options: Pick<Run['options'], 'dryRun'>}): RunModel {
	return {world: run.mode === 'rehearsal' ? 'rehearsal' : 'live', readOnly: run.mode === 'dry-run' || run.options.dryRun};
}

/** The stored form of a model, as the journal and the `run` event carry it. */
export function storedMode(model: RunModel): RunMode {
	if (model.world === 'rehearsal') return 'rehearsal';
	return model.readOnly ? 'dry-run' : 'live';
}

/** The model a new run gets from the command line. */
export function modelOfFlags(flags: {rehearse: boolean; dryRun: boolean}): RunModel {
	return {world: flags.rehearse ? 'rehearsal' : 'live', readOnly: flags.dryRun};
}
