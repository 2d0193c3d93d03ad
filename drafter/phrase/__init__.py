"""Stage 2, phrase: the verdict in words.

The brief localizes what a verdict allows (``brief``, ``formatting``); the prompt renders it
for a model (``prompting``); a provider writes the draft (``providers``: a model, the templated
reply, or a recording) and the model's answer is read back (``output``).
"""
