if allof (size :over 100K, not exists "x-ok") { discard; }
