# an empty script: only the implicit keep
