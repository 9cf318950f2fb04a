import {useInput} from 'ink';
import {useState} from 'react';
import type {FleetRow} from '../fleet-view';

export interface FleetKeys {
	/** The row of the fleet table Enter opens. */
	highlighted: number;
	/** The rack whose panes are open instead of the table. */
	opened?: string;
}

interface Browsing {
	highlighted: number;
	open: boolean;
}

function onKey(state: Browsing, key: {upArrow: boolean; downArrow: boolean; return: boolean; escape: boolean}, count: number): Browsing {
	if (state.open) return key.escape || key.return ? {...state, open: false} : state;
	if (key.upArrow && state.highlighted > 0) return {...state, highlighted: state.highlighted - 1};
	if (key.downArrow && state.highlighted < count - 1) return {...state, highlighted: state.highlighted + 1};
	if (key.return) return {...state, open: true};
	return state;
}

/**
 * ↑/↓ move the fleet table's highlighted row, Enter opens that rack's panes, Esc or Enter again
 * goes back to the table. Only while `active`: an open prompt's keys are the prompt's.
 */
export function useFleetKeys(rows: FleetRow[] | undefined, active: boolean): FleetKeys {
	const [state, setState] = useState<Browsing>({highlighted: 0, open: false});
	const count = rows?.length ?? 0;
	// Keys that come before the screen draws again still move from the latest state.
	useInput((_input, key) => setState(current => onKey(current, key, count)), {isActive: active && count > 0});
	const opened = state.open ? rows?.[state.highlighted]?.rack : undefined;
	return opened === undefined ? {highlighted: state.highlighted} : {highlighted: state.highlighted, opened};
}
