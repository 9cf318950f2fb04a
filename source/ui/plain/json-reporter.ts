import type {EventSink} from '../../core/types';

/** NDJSON on stdout: every event, one object per line; `step` done events carry their outputs at the top level too. */
export function createJsonReporter(write: (text: string) => void = text => process.stdout.write(text)): EventSink {
	return (event, run) => {
		let record: Record<string, unknown> = event;
		if (event.type === 'step' && event.outputs) record = {...event.outputs, ...event};
		if (event.type === 'run') record = {...event, production: run.production, region: run.options.region};
		write(`${JSON.stringify(record)}\n`);
	};
}
