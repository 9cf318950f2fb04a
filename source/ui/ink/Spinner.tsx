import {Text} from 'ink';
import {useTicks} from './use-clock';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner turned by the screen's clock: one frame per tick, no timer of its own. */
export function Spinner() {
	return <Text color="cyan">{FRAMES[useTicks() % FRAMES.length]}</Text>;
}
