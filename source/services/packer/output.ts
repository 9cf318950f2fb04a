import {parseRecord, type PackerRecord} from './machine-readable';
import type {PackerPhase} from '../../core/step-phases';
import {PhaseTracker} from './phases';
import type {Scrubber} from './scrubber';

export type PackerLineLevel = 'say' | 'message' | 'error' | 'stderr';

export type PackerOutputEvent =
	/** One physical line for the screen: unescaped and scrubbed. */
	{type: 'line'; level: PackerLineLevel; text: string} | {type: 'phase'; phase: PackerPhase; activity: string};

const CANCELLED_MESSAGE = 'Cleanly cancelled builds after being interrupted.';
const ERRORS_KEPT = 20;
const AMI_ID = /^ami-[0-9a-f]+$/;
/**
 * The `builder-id` of the artifacts whose id is `region:ami-…[,region:ami-…]`: the Amazon builders'
 * and the amazon-import post-processor's. The manifest post-processor passes its input on, builder id and all.
 */
const AMI_ARTIFACT_TYPES = new Set([
	'mitchellh.amazonebs',
	'mitchellh.amazon.ebssurrogate',
	'mitchellh.amazon.instance',
	'mitchellh.amazon.chroot',
	'packer.post-processor.amazon-import',
]);

function keep(list: string[], item: string): void {
	list.push(item);
	if (list.length > ERRORS_KEPT) list.shift();
}

/**
 * An amazon-ebs artifact id, `us-east-1:ami-1,us-west-2:ami-2` (in machine-readable output the
 * comma arrives escaped; the manifest post-processor's `artifact_id` has it plain) → region → AMI.
 */
function parseArtifactId(value: string): Record<string, string> {
	const amiIds: Record<string, string> = {};
	for (const pair of value.split(',')) {
		const colon = pair.indexOf(':');
		if (colon <= 0) continue;
		const amiId = pair.slice(colon + 1).trim();
		if (AMI_ID.test(amiId)) amiIds[pair.slice(0, colon).trim()] = amiId;
	}
	return amiIds;
}

/**
 * Interprets Packer's machine-readable stream line by line: every line is scrubbed first, then
 * parsed; the outcome (AMI per region, errors, cancellation) accumulates here with bounded memory.
 */
export class PackerOutput {
	readonly tracker = new PhaseTracker();
	/** Region → AMI id; the manifest post-processor repeats the artifact, which lands on the same key. */
	readonly amiIds: Record<string, string> = {};
	/** `<build>,error` lines: the failures Packer reports at the end. */
	readonly buildErrors: string[] = [];
	/** Recent `ui,error` lines: remote stderr and failure summaries alike, not a failure by themselves. */
	readonly uiErrors: string[] = [];
	/** Lines that were not machine-readable (Packer prints some startup errors as plain text). */
	readonly plainLines: string[] = [];
	errorCount = 0;
	cancelled = false;
	private lastTimestamp = -1;
	private lastStamp = '';
	/** `build NUL index` → the artifact's builder id: an `artifact,N,id` line is read by the type announced before it. */
	private readonly artifactTypes = new Map<string, string>();

	constructor(
		private readonly scrub: Scrubber,
		private readonly onEvent: (event: PackerOutputEvent) => void = () => {},
		private readonly onLogLine: (line: string) => void = () => {},
	) {}

	/** One raw line of Packer's stdout or stderr (without its newline). */
	push(rawLine: string): void {
		const line = this.scrub(rawLine);
		const record = parseRecord(line);
		if (!record) {
			this.onLogLine(line);
			keep(this.plainLines, line);
			this.onEvent({type: 'line', level: 'stderr', text: line});
			return;
		}
		if (record.type === 'ui') this.takeUi(record);
		else this.takeMachine(record);
	}

	private stamp(timestamp: number): string {
		if (timestamp !== this.lastTimestamp) {
			this.lastTimestamp = timestamp;
			this.lastStamp = new Date(timestamp * 1000).toISOString().replace('.000Z', 'Z');
		}
		return this.lastStamp;
	}

	private takeUi(record: PackerRecord): void {
		const level = record.data[0] === 'say' || record.data[0] === 'message' || record.data[0] === 'error' ? record.data[0] : 'message';
		const text = this.scrub(record.data.length > 2 ? record.data.slice(1).join(',') : (record.data[1] ?? ''));
		const stamp = this.stamp(record.timestamp);
		if (level === 'error') keep(this.uiErrors, text.trim());
		if (level === 'say' && text === CANCELLED_MESSAGE) this.cancelled = true;
		if (this.tracker.observe(level, text)) this.onEvent({type: 'phase', phase: this.tracker.phase!, activity: this.tracker.activity!});
		if (!text.includes('\n')) {
			this.onLogLine(`${stamp} ${text}`);
			this.onEvent({type: 'line', level, text});
			return;
		}
		for (const part of text.split('\n')) {
			if (!part) continue;
			this.onLogLine(`${stamp} ${part}`);
			this.onEvent({type: 'line', level, text: part});
		}
	}

	private takeMachine(record: PackerRecord): void {
		const [first = '', second = '', third = ''] = record.data;
		if (record.type === 'artifact') this.takeArtifact(record.target, first, second, third);
		else if (record.type === 'error-count') this.errorCount = Number(first) || 0;
		else if (record.type === 'error' && record.target) keep(this.buildErrors, this.scrub(first).trim());
		const fields = record.data.map(field => (field.includes('\n') ? JSON.stringify(this.scrub(field)) : this.scrub(field)));
		const target = record.target ? `[${record.target}] ` : '';
		this.onLogLine(`${this.stamp(record.timestamp)} ${target}${record.type} ${fields.join(' ')}`.trimEnd());
	}

	/**
	 * `artifact,N,builder-id,TYPE` comes before `artifact,N,id,ID` for each artifact of a build (Packer
	 * 1.6.6 to 1.16, whatever the build's name: `amazon-ebs`, a JSON builder's `name`, `amazon-ebs.NAME`).
	 */
	private takeArtifact(build: string, index: string, field: string, value: string): void {
		const key = `${build}\0${index}`;
		if (field === 'builder-id') this.artifactTypes.set(key, value);
		else if (field === 'id' && AMI_ARTIFACT_TYPES.has(this.artifactTypes.get(key) ?? ''))
			Object.assign(this.amiIds, parseArtifactId(value));
	}

	/** Packer's own account of what went wrong, most specific first. */
	failureLines(): string[] {
		if (this.buildErrors.length > 0) return [...this.buildErrors];
		if (this.plainLines.length > 0) return [...this.plainLines];
		return this.uiErrors.filter(line => line && !line.startsWith('==> Some builds'));
	}
}
