// The language status item (the `{}` next to the language mode) showing problem counts and when the
// workspace was last scanned, fed by the server's `kubeMitmGuard/status` notification.
import * as vscode from 'vscode';
import { StatusParams } from '../../server/src/lsp/protocol';

export class LanguageStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;

  constructor(selector: vscode.DocumentSelector) {
    this.item = vscode.languages.createLanguageStatusItem('kubeMitmGuard.status', selector);
    this.item.name = 'kube-mitm-guard';
    this.item.text = 'kube-mitm-guard: starting';
    this.item.busy = true;
    this.item.command = { title: 'Show Output', command: 'kubeMitmGuard.showOutput' };
  }

  update(status: StatusParams): void {
    this.item.busy = status.state === 'scanning';
    if (status.state === 'disabled') {
      this.item.text = 'kube-mitm-guard: off';
      this.item.detail = 'kubeMitmGuard.scope is "off"';
      this.item.severity = vscode.LanguageStatusSeverity.Information;
      return;
    }
    this.item.text = `$(shield) ${plural(status.errors, 'error')}, ${plural(status.warnings, 'warning')}`;
    const scanned = status.lastScanTime
      ? `last scan ${new Date(status.lastScanTime).toLocaleTimeString()}: ${plural(status.filesScanned, 'file')} checked` +
        (status.filesSkipped > 0 ? `, ${status.filesSkipped} skipped` : '')
      : 'workspace not scanned yet';
    this.item.detail = status.state === 'scanning' ? 'scanning the workspace…' : scanned;
    this.item.severity = status.errors > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    this.item.command = { title: 'Rescan', command: 'kubeMitmGuard.rescanWorkspace', tooltip: 'Rescan the workspace' };
  }

  stopped(): void {
    this.item.busy = false;
    this.item.text = 'kube-mitm-guard: stopped';
    this.item.severity = vscode.LanguageStatusSeverity.Error;
    this.item.command = { title: 'Restart', command: 'kubeMitmGuard.restartServer' };
  }

  dispose(): void {
    this.item.dispose();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
