"""MinHash signatures of article texts: computed by clean for every article, compared by deduplicate."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from datasketch import MinHash

from newsloom import schemas
from newsloom.config import Config
from tasks.common.text import word_shingles

# datasketch's 32-bit affine scheme; stored signatures are uint32 little-endian, so this must never change silently
SCHEME = "affine32"


def compute_signatures(articles: pa.Table, config: Config) -> pa.Table:
    """The ``_minhash`` rows of articles: MinHash of each text's word shingles, with the keys that decide
    which copy is the original (reads article_id, source, published_at, text_hash, text, run_id)."""
    sigs = []
    for text in articles.column("text").to_pylist():
        m = MinHash(num_perm=config.num_perm, seed=1, scheme=SCHEME)
        sh = word_shingles(text, config.shingle_size)
        if sh:
            m.update_batch([s.encode() for s in sh])
        sigs.append(np.asarray(m.hashvalues, dtype="<u4").tobytes())
    return schemas.conform(pa.table({
        **{c: articles.column(c) for c in ("article_id", "source", "published_at", "text_hash")},
        "signature": pa.array(sigs, type=pa.binary()),
        "run_id": articles.column("run_id"),
    }), schemas.MINHASH)
