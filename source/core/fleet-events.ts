export type FleetStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'waiting' | 'interrupted';

/** Where a rack of a fleet stands, as the scheduler sees it. */
export type RackState = 'pending' | 'running' | 'done' | 'failed' | 'waiting';

/** What the fleet driver says beside its racks' own run events; stamped with `fleet`, `fleetRunId` and `at`. */
export type FleetEventInput =
	| {type: 'fleet'; status: 'started' | 'resumed' | FleetStatus; mode: string; message?: string; convoxVersion?: string}
	| {type: 'wave'; wave: number; status: 'started' | 'done'; racks: string[]}
	| {
			type: 'image';
			kind: 'build' | 'copy';
			accountId: string;
			region: string;
			status: 'running' | 'done' | 'failed';
			amiId?: string;
			rack?: string;
			message?: string;
	  }
	| {type: 'rack-state'; rack: string; state: RackState | 'untouched'; wave: number; runId?: string; detail?: string}
	| {type: 'change-sets'; wave: number; racks: string[]; table: string}
	| {type: 'notice'; level: 'info' | 'warn'; message: string; rack?: string};

/** As printed: `runId` is the fleet run's id, so that every JSON event has one. */
export type FleetEvent = FleetEventInput & {fleet: string; fleetRunId: string; runId: string; at: string};
