import type {CommandConsole} from '../core/command-input';
import {formatImagesTable} from './format-images';
import type {ImagePlace} from './image-places';
import {imageRows, type ImageRow} from './image-usage';
import {readImages, type ImagesSelection, type ImageWorld} from './read-images';

/** Every AMI this tool made in the selected accounts and regions, with where it is used, and the places read. */
export async function readImageRows(world: ImageWorld, selection: ImagesSelection): Promise<{rows: ImageRow[]; places: ImagePlace[]}> {
	const {places, inventories, journal} = await readImages(world, selection);
	return {rows: imageRows(inventories, journal, new Date()), places};
}

/** What `images` prints when no Ink table draws it: one JSON line per image with --json, else the plain table. */
export function printImageListing(rows: ImageRow[], places: ImagePlace[], json: boolean, console: CommandConsole): void {
	if (rows.length === 0) {
		const notice = `No AMI made by convox-ami in ${places.map(place => `${place.accountId} ${place.region}`).join(', ')}.`;
		// With --json, stdout stays a stream of images (none); the notice goes to stderr.
		if (json) console.warn(notice);
		else console.print(`${notice}\n`);
	} else if (json) {
		for (const row of rows) console.print(`${JSON.stringify(row)}\n`);
	} else {
		console.print(`${formatImagesTable(rows)}\n`);
	}
}
