// Save a Blob as a file (client-side exports).
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled (Safari needs a tick).
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
