enum _DramaPlaceholder {}
