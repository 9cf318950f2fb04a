import {JournalStore} from '../../source/workflow/journal-store';
import {createRun} from '../../source/workflow/plan';
import {reduceRun} from '../../source/workflow/reducer';
import {STEP_IDS, type Run} from '../../source/core/types';

// Saves a growing run as fast as it can until killed.
const store = new JournalStore(process.argv[2]!);
let run: Run = createRun({
	id: 'crash',
	kind: 'release',
	account: 'dev',
	mode: 'live',
	production: false,
	options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
});
await store.ensureWritable();
store.save(run);
process.stdout.write('ready\n');
for (let index = 0; ; index++) {
	const step = STEP_IDS[index % STEP_IDS.length]!;
	run = reduceRun(run, {
		type: 'step',
		step,
		status: index % 2 ? 'done' : 'running',
		outputs: {packerPid: index, logPath: 'x'.repeat(index % 5000)},
		runId: run.id,
		at: new Date().toISOString(),
	});
	store.save(run);
}
