import {formatImagesTable, imagesTableCells} from '../images/format-images';
import {detectOutputMode} from '../ui/output-mode';
import {imageRows} from '../images/image-usage';
import {EXIT, type ExitCode} from '../core/errors';
import type {CommandInput} from '../core/command-input';
import {readImages} from '../images/read-images';
import {inImageWorld, warnOnStderr} from './image-world';

/** `convox-ami images`: every AMI this tool made in the selected accounts and regions, with where it is used. */
export function listImages(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	return inImageWorld(input, 'convox-ami images', {lock: false}, async world => {
		const {places, inventories, journal} = await readImages(world, {stateDir: input.stateDir, flags, warn: warnOnStderr});
		const rows = imageRows(inventories, journal, new Date());
		if (rows.length === 0) {
			const where = places.map(place => `${place.accountId} ${place.region}`).join(', ');
			// With --json, stdout stays a stream of images (none); the notice goes to stderr.
			(flags.json ? process.stderr : process.stdout).write(`No AMI made by convox-ami in ${where}.\n`);
		} else if (flags.json) {
			for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
		} else if (detectOutputMode({json: false, yes: flags.yes}, process.env).renderer === 'ink') {
			const {printImagesTable} = await import('../ui/ink/ImagesTable');
			const table = imagesTableCells(rows);
			await printImagesTable(table.headings, table.rows);
		} else {
			process.stdout.write(`${formatImagesTable(rows)}\n`);
		}
		return EXIT.ok;
	});
}
