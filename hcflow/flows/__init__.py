"""Study flows: the study file, the TransportStudyMaker, local and jobflow-remote runs.

- :mod:`hcflow.flows.spec`: ``StudySpec`` (the YAML file), grid points, hashes.
- :mod:`hcflow.flows.study`: ``TransportStudyMaker`` (structure -> sodiation -> MD).
- :mod:`hcflow.flows.run`: run locally, submit, status (skips completed points).
- :mod:`hcflow.flows.collect`: JobStore outputs -> ``md_tasks`` / ``structures``.
- :mod:`hcflow.flows.remote`: jobflow-remote project template, submission, states.
"""
