"""The text toolkit the guard and the evals share: which language a text is in
(``language``), how its numbers read (``numbers``), and how a pattern that reads untrusted
text is compiled to run in linear time (``linear``). Each stage keeps only the lexicons of
its own judgement (the guard's free-text and leak lists, the scorers' tone lists)."""
