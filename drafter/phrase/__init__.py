"""Stage 2, phrase: the verdict in words.

The brief localizes what a verdict allows (``brief``, ``formatting``); ``markers`` says which
commitments a reply to it must carry, and the ``phrasebook`` words each one; the prompt renders
it all for a model (``prompting``); a provider writes the draft (``providers``: a model, the
templated reply, or a recording) and the model's answer is read back (``output``); the
phrasebook composes the reply an agent sees, and ``streaming`` shows it as it is written.
"""
