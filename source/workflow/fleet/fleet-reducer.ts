import type {FleetChange, ImagePlace} from '../../core/fleet-events';
import type {FleetImageRecord, FleetRackRecord, FleetRun, WaveApproval} from './fleet-journal';

function updateRack(fleet: FleetRun, name: string, update: (rack: FleetRackRecord) => FleetRackRecord): FleetRackRecord[] {
	return fleet.racks.map(rack => (rack.name === name ? update(rack) : rack));
}

function updateImage(fleet: FleetRun, place: ImagePlace, update: (image: FleetImageRecord) => FleetImageRecord): FleetImageRecord[] {
	return fleet.images.map(image => (image.accountId === place.accountId && image.region === place.region ? update(image) : image));
}

function updateWaveApproval(fleet: FleetRun, wave: number, update: (approval: WaveApproval) => WaveApproval): WaveApproval[] {
	const approvals = fleet.waveApprovals ?? [];
	const updated = update(approvals.find(approval => approval.wave === wave) ?? {wave, approvals: []});
	return [...approvals.filter(approval => approval.wave !== wave), updated].sort((a, b) => a.wave - b.wave);
}

function withoutError({error: _error, ...image}: FleetImageRecord): FleetImageRecord {
	return image;
}

function withoutDetail({detail: _detail, ...rack}: FleetRackRecord): FleetRackRecord {
	return rack;
}

function applyChange(fleet: FleetRun, change: FleetChange): FleetRun {
	switch (change.type) {
		case 'resumed':
			// Racks and images that did not finish go again (their runs reconcile with the world); done ones are left.
			return {
				...fleet,
				status: 'running',
				racks: fleet.racks.map(rack => (rack.state === 'done' ? rack : {...rack, state: 'pending'})),
				images: fleet.images.map(image => (image.status === 'done' ? image : {...image, status: 'pending'})),
			};
		case 'status':
			return {...fleet, status: change.status};
		case 'history':
			return fleet;
		case 'version-resolved':
			return {...fleet, convoxVersion: change.convoxVersion};
		case 'wave-confirmed':
			return fleet.confirmedWaves.includes(change.wave) ? fleet : {...fleet, confirmedWaves: [...fleet.confirmedWaves, change.wave]};
		case 'wave-previewed':
			// A fresh preview of the wave replaces the earlier one: its racks need approvals of their own;
			// a rack approved before and not previewed again keeps its approval.
			return {
				...fleet,
				waveApprovals: updateWaveApproval(fleet, change.wave, approval => ({
					wave: change.wave,
					preview: {at: change.at, changeSets: change.changeSets, table: change.table},
					approvals: approval.approvals.filter(given => !change.changeSets.some(changeSet => changeSet.rack === given.rack)),
				})),
			};
		case 'rack-approved':
			return {
				...fleet,
				waveApprovals: updateWaveApproval(fleet, change.wave, approval => ({
					...approval,
					approvals: [...approval.approvals, {rack: change.rack, ...change.approval}],
				})),
			};
		case 'rack-started':
			return {...fleet, racks: updateRack(fleet, change.rack, rack => ({...withoutDetail(rack), state: 'running'}))};
		case 'rack-run-created':
			return {...fleet, racks: updateRack(fleet, change.rack, rack => ({...rack, runId: change.runId}))};
		case 'rack-ended':
			return {
				...fleet,
				racks: updateRack(fleet, change.rack, rack => ({
					...withoutDetail(rack),
					state: change.state,
					...(change.detail ? {detail: change.detail} : {}),
				})),
			};
		case 'image-started':
			return {
				...fleet,
				images: updateImage(fleet, change, image => ({
					...image,
					status: 'running',
					...(change.copiedFrom ? {copiedFrom: change.copiedFrom} : {}),
				})),
			};
		case 'image-run-created':
			return {...fleet, images: updateImage(fleet, change, image => ({...image, runId: change.runId}))};
		case 'image-made':
			return {
				...fleet,
				images: updateImage(fleet, change, image => ({
					...withoutError(image),
					status: 'done',
					...(change.amiId ? {amiId: change.amiId} : {}),
					...(change.adopted === undefined ? {} : {adopted: change.adopted}),
				})),
			};
		case 'image-failed':
			return {
				...fleet,
				images: updateImage(fleet, change, image => ({...image, status: change.retry ? 'pending' : 'failed', error: change.error})),
			};
	}
}

/** The fleet run after one change. Pure: the fleet journal stores its result. */
export function reduceFleet(fleet: FleetRun, change: FleetChange): FleetRun {
	const next = applyChange(fleet, change);
	const history = change.note ? [...fleet.history, {at: change.at, message: change.note}] : fleet.history;
	return {...next, history, updatedAt: change.at};
}
