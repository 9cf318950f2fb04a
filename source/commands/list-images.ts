import type {CommandInput} from '../core/command-input';
import {EXIT, type ExitCode} from '../core/errors';
import {imagesTableCells} from '../images/format-images';
import {inImageWorld} from '../images/image-world';
import {printImageListing, readImageRows} from '../images/list-images';
import {detectOutputMode} from '../ui/output-mode';
import {processConsole} from './console';
import {imageWorldRequest} from './image-world';

/** `convox-ami images`: every AMI this tool made in the selected accounts and regions, with where it is used. */
export function listImages(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	return inImageWorld(imageWorldRequest(input, 'convox-ami images', {lock: false}), async world => {
		const {rows, places} = await readImageRows(world, {stateDir: input.stateDir, flags, warn: processConsole.warn});
		if (rows.length > 0 && !flags.json && detectOutputMode({json: false, yes: flags.yes}, process.env).renderer === 'ink') {
			const table = imagesTableCells(rows);
			await (await import('../ui/ink/ImagesTable')).printImagesTable(table.headings, table.rows);
		} else printImageListing(rows, places, flags.json, processConsole);
		return EXIT.ok;
	});
}
