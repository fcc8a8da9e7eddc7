/** `tandem up`: placeholder; the lead writes the real one (it starts the daemon). */
import type { Command } from 'commander';
export function registerUpCommand(program: Command): void {
  program.command('up').description('run the array in the foreground').action(() => {
    throw new Error('not implemented yet');
  });
}
