TOOLS: list = []  # filled by the analysis work (issue 2a)
