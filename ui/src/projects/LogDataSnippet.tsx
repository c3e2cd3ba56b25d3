// The few lines of Python that put data into an empty Chroma.
import { useState } from 'react';
import { Button } from '../kit';

const DEFAULT_URL = 'http://127.0.0.1:8000';

/** The snippet, pointed at the server this page came from (`url`). */
export function logSnippet(project: string, url: string = DEFAULT_URL): string {
  return `import numpy as np, chroma

vectors = np.random.default_rng(0).normal(size=(1000, 64)).astype(np.float32)
with chroma.init(
    project=${JSON.stringify(project)}, dataset="train", space="encoder-v1",
    url=${JSON.stringify(url)},  # this server (or set CHROMA_URL)
) as run:
    run.log(vectors, labels=np.arange(1000) % 10)`;
}

export function LogDataSnippet({ project = 'demo' }: { project?: string }) {
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const code = logSnippet(project, origin || DEFAULT_URL);
  const [copied, setCopied] = useState(false);
  return (
    <div className="p-snippet" data-testid="log-snippet">
      <pre className="k-code">
        <code>{code}</code>
      </pre>
      <div className="p-snippet__foot">
        <span className="faint">
          Runs against this server; where it asks for sign-in, set <code>CHROMA_TOKEN</code> to your
          token. A map appears a few seconds later.
        </span>
        <Button
          size="sm"
          onClick={() => {
            void navigator.clipboard?.writeText(code).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
    </div>
  );
}
