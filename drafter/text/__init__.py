"""The text toolkit the guard and the evals share: which language a text is in
(``language``) and how its numbers read (``numbers``). Each stage keeps only the lexicons of
its own judgement (the guard's free-text and leak lists, the scorers' tone lists)."""
