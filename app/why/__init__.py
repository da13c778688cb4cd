"""Why did the network say that: saliency maps, natural exemplars, mistakes, adversaries."""
